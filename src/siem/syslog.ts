/**
 * Syslog over TCP or TLS: RFC 5424 messages with octet-counting framing (RFC 6587 section 3.4.1,
 * the framing RFC 5425 requires over TLS). One connection, reopened after an error. A batch counts
 * as sent once every byte is written to the socket: plain syslog has no acknowledgement, so a
 * connection that breaks after that can lose what the kernel had not sent yet (RELP would close
 * that gap; see the README).
 */
import { type Socket, connect as tcpConnect } from 'node:net';
import { hostname } from 'node:os';
import { connect as tlsConnect } from 'node:tls';
import { toCef } from '../audit/cef.ts';
import type { AuditEvent } from '../audit/types.ts';
import { checkLiteral, guardedLookup } from '../net/guarded-http.ts';
import type { OutboundPolicy } from '../notify/ssrf.ts';
import type { SyslogSinkConfig } from './config.ts';
import type { Sink } from './sink.ts';

const SEVERITY: Record<AuditEvent['outcome'], number> = { success: 6, pending: 6, refused: 4, failure: 3 };
/** IANA private enterprise number 32473 is reserved for documentation (RFC 5612); used as our SD-ID suffix. */
const SD_ID = 'portcullis@32473';

const printable = (s: string, max: number): string => (s.replace(/[^\x21-\x7e]/g, '_').slice(0, max) || '-');
const sdValue = (s: string): string => s.replace(/[\\"\]]/g, (c) => `\\${c}`);

/** One RFC 5424 message (without framing). */
export function syslogMessage(e: AuditEvent, config: Pick<SyslogSinkConfig, 'facility' | 'appName' | 'format'>, version: string, host = hostname()): string {
  const pri = config.facility * 8 + SEVERITY[e.outcome];
  const sd = `[${SD_ID} seq="${e.seq}" id="${sdValue(e.id)}" outcome="${e.outcome}"]`;
  const msg = config.format === 'cef' ? toCef(e, version) : JSON.stringify(e);
  // BOM: the MSG is UTF-8 (RFC 5424 section 6.4).
  return `<${pri}>1 ${e.time} ${printable(host, 255)} ${printable(config.appName, 48)} - ${printable(e.action, 32)} ${sd} \uFEFF${msg}`;
}

export function syslogSink(config: SyslogSinkConfig, o: { timeoutMs: number; version: string; where: string; policy: OutboundPolicy; ca?: string }): Sink {
  let socket: Socket | undefined;
  // Every (re)connect resolves and checks the collector's address, and connects to the checked one.
  const lookup = o.policy.sandbox ? {} : { lookup: guardedLookup(o.where, o.policy) };

  const open = (): Promise<Socket> =>
    new Promise((resolve, reject) => {
      try {
        checkLiteral(o.where, config.host, o.policy);
      } catch (error) {
        reject(error);
        return;
      }
      const onError = (error: Error) => reject(error);
      const s = config.tls
        ? tlsConnect({ host: config.host, port: config.port, servername: config.host, ...lookup, ...(o.ca ? { ca: o.ca } : {}) }, () => resolve(s))
        : tcpConnect({ host: config.host, port: config.port, ...lookup }, () => resolve(s));
      s.setTimeout(o.timeoutMs, () => s.destroy(new Error(`syslog ${config.host}:${config.port}: no progress within ${o.timeoutMs} ms`)));
      s.once('error', onError);
      s.once('close', () => {
        if (socket === s) socket = undefined;
      });
      s.on('data', () => {}); // collectors do not answer; drain anyway.
    });

  return {
    id: config.id,
    async send(events) {
      if (!socket || socket.destroyed) {
        socket = await open();
        socket.on('error', () => {
          socket = undefined;
        });
      }
      const s = socket;
      const frames = events.map((e) => {
        const message = Buffer.from(syslogMessage(e, config, o.version), 'utf8');
        return Buffer.concat([Buffer.from(`${message.length} `, 'ascii'), message]);
      });
      await new Promise<void>((resolve, reject) => {
        const onClose = () => reject(new Error(`syslog ${config.host}:${config.port}: connection closed while sending`));
        s.once('close', onClose);
        s.write(Buffer.concat(frames), (error) => {
          s.off('close', onClose);
          if (error) reject(error);
          else resolve();
        });
      }).catch((error: unknown) => {
        s.destroy();
        socket = undefined;
        throw error;
      });
    },
    async close() {
      socket?.end();
      socket = undefined;
    },
  };
}
