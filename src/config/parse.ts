import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { type Config, configSchema } from './schema.ts';

/** A config (or playbook, or policy) file that cannot be used: names the file, the key path and what was expected. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly file: string;
  readonly problems: { path: string; line?: number; message: string }[];
  constructor(
    file: string,
    problems: { path: string; line?: number; message: string }[],
  ) {
    super(
      `${file}: invalid configuration\n${problems
        .map((p) => `  - ${p.path || '(root)'}${p.line ? ` (line ${p.line})` : ''}: ${p.message}`)
        .join('\n')}`,
    );
    this.file = file;
    this.problems = problems;
  }
}

/** Parses YAML text and validates it with a zod schema, mapping each issue to its key path and line. */
export function parseYamlWith<T>(schema: z.ZodType<T>, text: string, file: string): T {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({ path: '', line: e.linePos?.[0]?.line, message: e.message.split('\n')[0] ?? e.code })),
    );
  }
  const result = schema.safeParse(doc.toJS());
  if (result.success) return result.data;
  throw new ConfigError(
    file,
    result.error.issues.map((issue) => {
      const path = issue.path.map(String);
      const node = doc.getIn(issue.path as (string | number)[], true) as { range?: [number] } | undefined;
      const parentNode = doc.getIn(issue.path.slice(0, -1) as (string | number)[], true) as
        | { range?: [number] }
        | undefined;
      const offset = node?.range?.[0] ?? parentNode?.range?.[0];
      return {
        path: formatPath(path),
        line: offset === undefined ? undefined : lineCounter.linePos(offset).line,
        message: issue.message,
      };
    }),
  );
}

export function formatPath(path: (string | number)[]): string {
  return path.map((p, i) => (/^\d+$/.test(String(p)) ? `[${p}]` : i === 0 ? String(p) : `.${p}`)).join('');
}

/** The line of a key path in YAML text (the nearest existing parent when the key itself is absent). */
export function yamlLineLocator(text: string): (path: (string | number)[]) => number | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  return (path) => {
    for (let n = path.length; n > 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number] } | undefined;
      if (node?.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
}

export function parseConfig(text: string, file: string): Config {
  return parseYamlWith(configSchema, text, file);
}
