import { type Document, LineCounter, parseAllDocuments } from 'yaml';
import type { ReadProblem } from './types.ts';

/** One YAML document of a file, as plain data, with the line of any key path in it. */
export interface YamlDoc {
  /** 0-based position in the file's stream of documents. */
  index: number;
  /** Line where the document starts. */
  line: number;
  data: unknown;
  lineOf(path: (string | number)[]): number;
}

/**
 * Splits a (multi-document) YAML or JSON text into documents. A document with a syntax error becomes a
 * problem naming its line; the other documents are still returned, so one bad document does not hide
 * the decisions on the rest.
 */
export function readYamlDocuments(text: string, file: string): { docs: YamlDoc[]; problems: ReadProblem[] } {
  const lineCounter = new LineCounter();
  const all = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(all) ? all : [all];
  const docs: YamlDoc[] = [];
  const problems: ReadProblem[] = [];
  list.forEach((doc, index) => {
    const start = lineCounter.linePos(doc.range?.[0] ?? 0).line;
    if (doc.errors.length) {
      for (const e of doc.errors) {
        problems.push({ file, line: e.linePos?.[0]?.line ?? lineCounter.linePos(e.pos[0]).line, path: `document ${index + 1}`, message: `malformed YAML: ${firstLine(e.message)}` });
      }
      return;
    }
    if (doc.contents === null) return;
    docs.push({ index, line: start, data: doc.toJS(), lineOf: locator(doc as Document.Parsed, lineCounter, start) });
  });
  return { docs, problems };
}

function locator(doc: Document.Parsed, lineCounter: LineCounter, fallback: number): (path: (string | number)[]) => number {
  return (path) => {
    for (let n = path.length; n >= 0; n--) {
      const node = (n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)) as { range?: [number] } | null | undefined;
      if (node && typeof node === 'object' && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return fallback;
  };
}

const firstLine = (s: string): string => s.split('\n')[0] ?? s;

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export const stringList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export function labelsOf(v: unknown): Record<string, string> {
  if (!isRecord(v)) return {};
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));
}
