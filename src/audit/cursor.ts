/**
 * The pull API's cursor: opaque to clients, "a1." + base64url of the seq in decimal. The version
 * prefix lets a later cursor carry more (a tenant, a shard) while old cursors still decode.
 */
const PREFIX = 'a1.';

export class CursorError extends Error {
  override name = 'CursorError';
}

const toBase64Url = (text: string): string => btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

export function encodeCursor(seq: number): string {
  return PREFIX + toBase64Url(String(seq));
}

export function decodeCursor(cursor: string): number {
  if (!cursor.startsWith(PREFIX) || cursor.length > 40) throw new CursorError('not a cursor this API issued');
  let text: string;
  try {
    text = atob(cursor.slice(PREFIX.length).replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    throw new CursorError('not a cursor this API issued');
  }
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new CursorError('not a cursor this API issued');
  }
  return Number(text);
}
