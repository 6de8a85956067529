import { z } from 'zod';
import { secretRefSchema } from '../config/secret.ts';

const secret = z.union([secretRefSchema, z.object({ sandboxValue: z.string().min(1) }).strict()]);
const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes');

const hecSchema = z
  .object({
    id,
    type: z.literal('splunk-hec'),
    /** The HEC base URL, e.g. https://splunk.example.com:8088 (events go to /services/collector/event). */
    url: z.url({ error: 'an absolute URL' }),
    token: secret,
    index: z.string().optional(),
    sourcetype: z.string().default('portcullis:audit'),
    /** A PEM CA bundle (file) for a HEC with a private CA. */
    caFile: z.string().optional(),
  })
  .strict();

const syslogSchema = z
  .object({
    id,
    type: z.literal('syslog'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65_535),
    /** RFC 5425 syslog over TLS (octet-counted framing either way, RFC 6587 3.4.1). */
    tls: z.boolean().default(true),
    /** A PEM CA bundle (file) that signs the collector's certificate, for a private CA. */
    caFile: z.string().optional(),
    format: z.enum(['cef', 'json']).default('cef'),
    /** RFC 5424 facility number (13 = log audit). */
    facility: z.number().int().min(0).max(23).default(13),
    appName: z.string().regex(/^[\x21-\x7e]{1,48}$/).default('portcullis'),
  })
  .strict();

/** `siem:` push the audit stream to Splunk HEC and/or syslog, each sink from its own durable cursor. */
export const siemSchema = z
  .object({
    sinks: z.array(z.discriminatedUnion('type', [hecSchema, syslogSchema])).default([]),
    /** Events per send. */
    batchSize: z.number().int().min(1).max(10_000).default(500),
    pollIntervalMs: z.number().int().min(10).max(60_000).default(1000),
    /** Backoff after a failed send: min(max, base * 2^(n-1)) seconds. */
    backoffSeconds: z.number().min(0.01).max(3600).default(1),
    maxBackoffSeconds: z.number().min(0.01).max(3600).default(300),
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    /** Private ranges (CIDRs) sinks may reach outside the sandbox (an internal collector); checked at every connect. */
    allowNetworks: z.array(z.string().min(1)).default([]),
  })
  .strict();

export type SiemConfig = z.infer<typeof siemSchema>;
export type SinkConfig = SiemConfig['sinks'][number];
export type HecSinkConfig = Extract<SinkConfig, { type: 'splunk-hec' }>;
export type SyslogSinkConfig = Extract<SinkConfig, { type: 'syslog' }>;
