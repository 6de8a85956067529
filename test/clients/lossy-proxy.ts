/**
 * A loopback HTTP proxy in front of a real portcullis that can lose answers: the request reaches the
 * server (which does the work), then the client's connection is cut before any byte of the answer.
 * That is the case retries must survive without running a playbook twice.
 */
import { type IncomingHttpHeaders, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Whether the proxy cut the connection instead of answering. */
  dropped: boolean;
  status?: number;
}

export interface LossyProxy {
  url: string;
  seen: SeenRequest[];
  /** Cut the answers of the next `n` requests whose path starts with `prefix` (after the server answered). */
  loseAnswers(n: number, prefix: string): void;
  close(): Promise<void>;
}

export async function lossyProxy(upstream: string): Promise<LossyProxy> {
  const target = new URL(upstream);
  const seen: SeenRequest[] = [];
  let lose: { n: number; prefix: string } = { n: 0, prefix: '' };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry: SeenRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, dropped: false };
      seen.push(entry);
      const up = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
        (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (c: Buffer) => body.push(c));
          answer.on('end', () => {
            entry.status = answer.statusCode;
            if (lose.n > 0 && entry.path.startsWith(lose.prefix)) {
              lose = { ...lose, n: lose.n - 1 };
              entry.dropped = true;
              req.socket.destroy();
              return;
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(body));
          });
        },
      );
      up.on('error', () => req.socket.destroy());
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    loseAnswers(n, prefix) {
      lose = { n, prefix };
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
