/**
 * Splunk HTTP Event Collector: a batch is one POST to /services/collector/event with the JSON event
 * envelopes concatenated (Splunk's "Format events for HTTP Event Collector"), `Authorization: Splunk
 * <token>`; success is 200 {"text":"Success","code":0}. Anything else fails the batch, which is sent
 * again from the same cursor.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AuditEvent } from '../audit/types.ts';
import type { HecSinkConfig } from './config.ts';
import type { Sink } from './sink.ts';

export function hecSink(config: HecSinkConfig, token: string, o: { timeoutMs: number; ca?: string }): Sink {
  const url = new URL(`${config.url.replace(/\/+$/, '')}/services/collector/event`);
  return {
    id: config.id,
    async send(events: AuditEvent[]): Promise<void> {
      const body = events
        .map((e) =>
          JSON.stringify({
            time: Date.parse(e.time) / 1000,
            source: 'portcullis',
            sourcetype: config.sourcetype,
            ...(config.index ? { index: config.index } : {}),
            event: e,
          }),
        )
        .join('\n');
      const { status, text } = await post(url, body, { authorization: `Splunk ${token}`, 'content-type': 'application/json' }, o);
      let code: unknown;
      try {
        code = (JSON.parse(text) as { code?: unknown }).code;
      } catch {}
      if (status !== 200 || code !== 0) throw new Error(`HEC answered ${status}: ${text.slice(0, 200)}`);
    },
    async close() {},
  };
}

/** One POST with node:http(s), so a private CA can be given (fetch cannot take one without undici). */
function post(url: URL, body: string, headers: Record<string, string>, o: { timeoutMs: number; ca?: string }): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, timeout: o.timeoutMs, ...(o.ca ? { ca: o.ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${o.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
