/**
 * A webhook receiver on loopback that verifies every delivery with the public standardwebhooks
 * library (as a subscriber would), and can be down (5xx), slow (answers late) or gone (closed).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Delivery {
  id: string;
  timestamp: string;
  verified: boolean;
  body: Record<string, unknown>;
  answered: number;
}

export interface Receiver {
  url: string;
  deliveries: Delivery[];
  /** Status to answer (200 by default); 'hang' never answers. */
  mode: number | 'hang';
  close(): Promise<void>;
}

export async function startReceiver(secret: string, port = 0): Promise<Receiver> {
  const wh = new Webhook(secret);
  const receiver: Receiver = { url: '', deliveries: [], mode: 200, close: async () => {} };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      let verified = false;
      try {
        wh.verify(text, headers);
        verified = true;
      } catch {}
      const mode = receiver.mode;
      receiver.deliveries.push({
        id: headers['webhook-id'] ?? '',
        timestamp: headers['webhook-timestamp'] ?? '',
        verified,
        body: JSON.parse(text) as Record<string, unknown>,
        answered: mode === 'hang' ? 0 : mode,
      });
      if (mode === 'hang') return;
      res.writeHead(mode, { 'content-type': 'text/plain' });
      res.end(mode < 300 ? 'ok' : 'down');
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return receiver;
}
