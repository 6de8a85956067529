import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** A log input: a file path, or "-" for standard input. */
export interface OpenedInput {
  /** Decompressed bytes. */
  stream: Readable;
  /** SHA-256 of the raw bytes, known once the stream has ended (a file delivered twice is counted once). */
  digest(): string;
}

const GZIP = [0x1f, 0x8b];

/**
 * Opens a log file or stdin, gunzipping when the bytes start with the gzip magic (whatever the name says).
 * Streams: memory stays flat whatever the size.
 */
export async function openInput(path: string, stdin: Readable = process.stdin): Promise<OpenedInput> {
  const hash = createHash('sha256');
  let gzip: boolean | undefined;
  if (path !== '-') {
    const handle = await open(path, 'r');
    try {
      const head = Buffer.alloc(2);
      const { bytesRead } = await handle.read(head, 0, 2, 0);
      gzip = bytesRead === 2 && head[0] === GZIP[0] && head[1] === GZIP[1];
    } finally {
      await handle.close();
    }
  }
  // Opened after the peek, so a missing file rejects here rather than as an unhandled stream error.
  const raw: Readable = path === '-' ? stdin : createReadStream(path, { highWaterMark: 64 * 1024 });
  const out = new PassThrough({ highWaterMark: 256 * 1024 });
  let sink: NodeJS.WritableStream | undefined;
  const fail = (error: Error) => out.destroy(error);
  raw.on('error', fail);
  raw.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    if (!sink) {
      // stdin: decide on the first chunk.
      if (gzip === undefined) gzip = chunk[0] === GZIP[0] && chunk[1] === GZIP[1];
      if (gzip) {
        const gunzip = createGunzip();
        gunzip.on('error', (e) => fail(new Error(`not valid gzip: ${e.message}`)));
        gunzip.pipe(out);
        sink = gunzip;
      } else sink = out;
    }
    if (!sink.write(chunk)) {
      raw.pause();
      (sink as PassThrough).once('drain', () => raw.resume());
    }
  });
  raw.on('end', () => {
    if (sink) sink.end();
    else out.end();
  });
  let digest: string | undefined;
  return {
    stream: out,
    digest: () => {
      digest ??= hash.digest('hex');
      return digest;
    },
  };
}

/**
 * Calls `onLine` for every line (1-based numbers), without the line ending. Resolves when the input
 * ends; rejects on a read or gunzip error.
 */
export function forEachLine(stream: Readable, onLine: (line: string, n: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    let n = 0;
    let failed = false;
    stream.on('error', (e) => {
      failed = true;
      rl.close();
      reject(e);
    });
    rl.on('line', (line) => {
      n++;
      try {
        onLine(line, n);
      } catch (error) {
        failed = true;
        rl.close();
        stream.destroy();
        reject(error);
      }
    });
    rl.on('close', () => {
      if (!failed) resolve();
    });
  });
}
