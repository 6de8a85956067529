/**
 * A change request policy cannot decide: an unknown tier, a source that is neither a tier nor a CIDR.
 * `code` matches the HTTP problem codes (src/http/problem.ts) so the edge can map it 1:1 to a 422.
 */
export class PolicyRequestError extends Error {
  override name = 'PolicyRequestError';
  readonly code: 'unknown_tier' | 'validation_failed';
  readonly path: string;
  constructor(
    code: 'unknown_tier' | 'validation_failed',
    /** The input at fault, e.g. "to" or "from[1]". */
    path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.code = code;
    this.path = path;
  }
}

/** 1-based line of a character offset in a text. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
