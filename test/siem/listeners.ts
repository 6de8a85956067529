/** Real SIEM listeners on loopback: a Splunk HEC stand-in over HTTP and syslog collectors over TCP and TLS. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { type AddressInfo, type Server, type Socket, createServer as createTcpServer } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';

export interface HecListener {
  url: string;
  events: { time: number; sourcetype: string; event: { seq: number; id: string; action: string } }[];
  /** Answer with this status ({"text":…,"code":…} as HEC does). */
  status: number;
  close(): Promise<void>;
}

export async function startHec(token: string): Promise<HecListener> {
  const hec: HecListener = { url: '', events: [], status: 200, close: async () => {} };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, text: string, code: number) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ text, code }));
      };
      if (req.url !== '/services/collector/event') return reply(404, 'The requested URL was not found on this server.', 404);
      if (req.headers.authorization !== `Splunk ${token}`) return reply(403, 'Invalid token', 4);
      if (hec.status !== 200) return reply(hec.status, 'Server is busy', 9);
      const text = Buffer.concat(chunks).toString('utf8');
      // HEC accepts JSON event objects one after another; this stand-in expects one per line.
      for (const line of text.split('\n').filter(Boolean)) hec.events.push(JSON.parse(line));
      reply(200, 'Success', 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hec.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  hec.close = () => closeServer(server);
  return hec;
}

export interface SyslogListener {
  port: number;
  /** Messages as received, one per octet-counted frame. */
  messages: string[];
  close(): Promise<void>;
}

/** Parses RFC 6587 octet-counted frames ("LEN SP MSG") from a stream. */
function framer(onMessage: (m: string) => void): (socket: Socket) => void {
  return (socket) => {
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const space = buffer.indexOf(0x20);
        if (space < 0) return;
        const length = Number(buffer.subarray(0, space).toString('ascii'));
        if (!Number.isInteger(length) || buffer.length < space + 1 + length) return;
        onMessage(buffer.subarray(space + 1, space + 1 + length).toString('utf8'));
        buffer = buffer.subarray(space + 1 + length);
      }
    });
    socket.on('error', () => {});
  };
}

export async function startSyslog(tls?: { key: string; cert: string }): Promise<SyslogListener> {
  const listener: SyslogListener = { port: 0, messages: [], close: async () => {} };
  const onSocket = framer((m) => listener.messages.push(m));
  const server: Server = tls ? createTlsServer({ key: tls.key, cert: tls.cert }, onSocket) : createTcpServer(onSocket);
  const sockets = new Set<Socket>();
  server.on(tls ? 'secureConnection' : 'connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  listener.port = (server.address() as AddressInfo).port;
  listener.close = async () => {
    for (const s of sockets) s.destroy();
    await closeServer(server);
  };
  return listener;
}

/** A self-signed certificate for 127.0.0.1 made with openssl, for the TLS collector. */
export function selfSignedCert(dir: string): { key: string; cert: string; certPath: string } {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8'), certPath: cert };
}

const closeServer = (server: { close(cb: () => void): void; closeAllConnections?: () => void }) =>
  new Promise<void>((r) => {
    server.closeAllConnections?.();
    server.close(() => r());
  });
