/**
 * Issue 9, item 18 (CEF): what a SIEM correlates on has its own key, the request id is not in the
 * user agent's key, and msg stays within 1,023 characters after escaping, never ending mid-escape.
 */
import { describe, expect, it } from 'vitest';
import { MAX_MSG, toCef, truncateEscaped } from '../../src/audit/cef.ts';
import { cloudLookup } from '../../src/audit/ocsf-cloud.ts';
import type { AuditEvent } from '../../src/audit/types.ts';
import type { Config } from '../../src/config/schema.ts';

const event = (over: Partial<AuditEvent>): AuditEvent => ({
  seq: 7,
  id: '0b6e3d1c-0000-4000-8000-000000000007',
  time: '2026-01-01T00:00:00.000Z',
  prev_hash: '0'.repeat(64),
  hash: 'a'.repeat(64),
  action: 'cloud.operation',
  outcome: 'success',
  ...over,
});
const clouds = cloudLookup([{ id: 'aws-prod', type: 'aws-ec2', simulator: false, region: 'eu-west-1' }] as Config['connectors']);

/** The extension's key=value pairs (values unescaped enough to compare). */
function extension(line: string): Map<string, string> {
  const ext = line.split('|').slice(7).join('|');
  const out = new Map<string, string>();
  for (const m of ext.matchAll(/(\w+)=((?:\\.|[^\\])*?)(?= \w+=|$)/g)) out.set(m[1] as string, m[2] as string);
  return out;
}

describe('CEF: fields a SIEM correlates on', () => {
  it('carries CIDRs, direction, protocol, cloud, caller address and request id in their own keys', () => {
    const line = toCef(
      event({
        target: 'aws-prod/edge',
        request_id: 'req_abc',
        source_address: '192.0.2.10',
        detail: { op: 'create', rule: { action: 'deny', direction: 'egress', protocol: 'tcp', cidrs: ['203.0.113.7/32', '198.51.100.0/24'] } },
      }),
      '1.0.0',
      clouds,
    );
    const ext = extension(line);
    expect(ext.get('requestClientApplication')).toBeUndefined();
    expect([ext.get('cs5Label'), ext.get('cs5')]).toEqual(['request_id', 'req_abc']);
    expect([ext.get('cs6Label'), ext.get('cs6')]).toEqual(['cidrs', '203.0.113.7/32,198.51.100.0/24']);
    expect(ext.get('deviceDirection')).toBe('1');
    expect(ext.get('proto')).toBe('TCP');
    expect([ext.get('flexString1Label'), ext.get('flexString1'), ext.get('flexString2')]).toEqual(['cloud', 'AWS', 'eu-west-1']);
    expect(ext.get('src')).toBe('192.0.2.10');
  });

  it('keeps msg within 1,023 characters after escaping, without cutting an escape in two', () => {
    // Every "=" doubles when escaped: truncating before escaping let msg grow to about 2,000 characters.
    const line = toCef(event({ detail: { note: '='.repeat(3000) } }), '1.0.0');
    const msg = line.slice(line.indexOf(' msg=') + 5);
    expect(msg.length).toBeLessThanOrEqual(MAX_MSG);
    expect(msg.length).toBeGreaterThan(MAX_MSG - 2);
    expect(/(^|[^\\])(\\\\)*\\$/.test(msg)).toBe(false);
    expect(truncateEscaped('ab\\=', 3)).toBe('ab');
    expect(truncateEscaped('a\\\\b', 3)).toBe('a\\\\');
  });
});
