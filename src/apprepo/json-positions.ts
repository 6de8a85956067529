import { type Node, type ParseError, findNodeAtLocation, parseTree, printParseErrorCode } from 'jsonc-parser';

/** Strict JSON with the line of any path: plan JSON rules are reported at the line they sit on. */
export interface PositionedJson {
  data: unknown;
  lineOf(path: (string | number)[]): number;
  /** Line and 1-based column: `terraform show -json` prints the whole plan on one line. */
  positionOf(path: (string | number)[]): { line: number; column: number };
}

export function parseJsonWithLines(text: string): { ok: true; json: PositionedJson } | { ok: false; line: number; message: string } {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const starts = lineStarts(text);
  const lineAt = (offset: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const first = errors[0];
  if (first || !root) return { ok: false, line: first ? lineAt(first.offset) : 1, message: first ? `malformed JSON: ${printParseErrorCode(first.error)}` : 'empty file' };
  return {
    ok: true,
    json: {
      data: JSON.parse(text),
      lineOf(path) {
        return this.positionOf(path).line;
      },
      positionOf(path) {
        for (let n = path.length; n >= 0; n--) {
          const node: Node | undefined = findNodeAtLocation(root, path.slice(0, n));
          if (node) {
            const line = lineAt(node.offset);
            return { line, column: node.offset - (starts[line - 1] as number) + 1 };
          }
        }
        return { line: 1, column: 1 };
      },
    },
  };
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}
