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
  return openStream(path === '-' ? stdin : createReadStream(path, { highWaterMark: 64 * 1024 }), gzip);
}

/** openInput for a stream already open (stdin, an object-storage download): gzip is told by the first bytes. */
export function openStream(raw: Readable, gzipKnown?: boolean): OpenedInput {
  const hash = createHash('sha256');
  let gzip = gzipKnown;
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

/**
 * forEachLine over raw bytes: calls `onLine(buf, start, end, n)` for every line (without "\n" or a
 * trailing "\r"), with no string made per line. A line split across chunks is joined into one buffer.
 * The buffer is only valid during the call.
 */
export function forEachLineBytes(stream: Readable, onLine: (buf: Buffer, start: number, end: number, n: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let carry: Buffer | undefined;
    let n = 0;
    let failed = false;
    const emit = (buf: Buffer, start: number, end: number) => {
      n++;
      onLine(buf, start, end > start && buf[end - 1] === 13 ? end - 1 : end, n);
    };
    const fail = (error: unknown) => {
      failed = true;
      stream.destroy();
      reject(error);
    };
    stream.on('data', (chunk: Buffer) => {
      if (failed) return;
      try {
        let s = 0;
        if (carry) {
          const nl = chunk.indexOf(10);
          if (nl < 0) {
            carry = Buffer.concat([carry, chunk]);
            return;
          }
          const line = Buffer.concat([carry, chunk.subarray(0, nl)]);
          carry = undefined;
          emit(line, 0, line.length);
          s = nl + 1;
        }
        for (let nl = chunk.indexOf(10, s); nl >= 0; nl = chunk.indexOf(10, s)) {
          emit(chunk, s, nl);
          s = nl + 1;
        }
        if (s < chunk.length) carry = chunk.subarray(s);
      } catch (error) {
        fail(error);
      }
    });
    stream.on('error', (e) => {
      if (!failed) fail(e);
    });
    stream.on('end', () => {
      if (failed) return;
      try {
        if (carry?.length) emit(carry, 0, carry.length);
        resolve();
      } catch (error) {
        fail(error);
      }
    });
  });
}
