import type { Readable } from 'node:stream';
import chain from 'stream-chain';
import { parser } from 'stream-json';
import { pick } from 'stream-json/filters/pick.js';
import { streamValues } from 'stream-json/streamers/stream-values.js';

/**
 * Streams the elements of the top-level `records` array of one or more concatenated JSON documents
 * (Azure delivers `{"records":[...]}` blobs), or, with `topLevel`, every element of a top-level array
 * and every top-level object (NDJSON). One element is assembled at a time: memory stays flat.
 * A syntax error ends the file after the records read so far; it is reported, not thrown.
 */
export function forEachJsonRecord(
  stream: Readable,
  mode: 'records' | 'topLevel',
  onRecord: (value: unknown, ordinal: number) => void,
): Promise<{ syntaxError?: string; records: number }> {
  return new Promise((resolve, reject) => {
    let records = 0;
    let settled = false;
    const done = (result: { syntaxError?: string; records: number }) => {
      if (!settled) {
        settled = true;
        resolve(result);
      }
    };
    const stages =
      mode === 'records'
        ? [stream, parser({ jsonStreaming: true }), pick({ filter: /^(\d+\.)?records\.\d+$/ }), streamValues()]
        : [stream, parser({ jsonStreaming: true }), streamValues()];
    const pipeline = chain(stages);
    pipeline.on('data', ({ value }: { value: unknown }) => {
      try {
        // NDJSON gives one entry per value; `gcloud logging read --format=json` one array of entries.
        for (const item of mode === 'topLevel' && Array.isArray(value) ? value : [value]) onRecord(item, ++records);
      } catch (error) {
        settled = true;
        pipeline.destroy();
        reject(error);
      }
    });
    pipeline.on('error', (error: Error) => {
      if (/gzip/.test(error.message)) {
        if (!settled) {
          settled = true;
          reject(error);
        }
        return;
      }
      done({ syntaxError: error.message, records });
    });
    pipeline.on('end', () => done({ records }));
  });
}
