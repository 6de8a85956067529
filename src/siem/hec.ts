/**
 * Splunk HTTP Event Collector: a batch is one POST to /services/collector/event with the JSON event
 * envelopes concatenated (Splunk's "Format events for HTTP Event Collector"), `Authorization: Splunk
 * <token>`; success is 200 {"text":"Success","code":0}. Anything else fails the batch, which is sent
 * again from the same cursor. Runtime-free: the POST goes through the runtime's transport (Node checks
 * the address at every connect and can take a private CA; Workers use fetch).
 */
import type { AuditEvent } from '../audit/types.ts';
import type { HttpPost } from '../notify/transport.ts';
import type { HecSinkConfig } from './config.ts';
import type { Sink } from './sink.ts';

export function hecSink(config: HecSinkConfig, token: string, o: { timeoutMs: number; post: HttpPost; where: string }): Sink {
  const url = `${config.url.replace(/\/+$/, '')}/services/collector/event`;
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
      const headers = { authorization: `Splunk ${token}`, 'content-type': 'application/json' };
      const { status, text } = await o.post({ url, headers, body, timeoutMs: o.timeoutMs, where: o.where });
      let code: unknown;
      try {
        code = (JSON.parse(text) as { code?: unknown }).code;
      } catch {}
      if (status !== 200 || code !== 0) throw new Error(`HEC answered ${status}: ${text.slice(0, 200)}`);
    },
    async close() {},
  };
}
