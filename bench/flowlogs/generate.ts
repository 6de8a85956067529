/** Deterministic generated flow logs and a 1,000-rule AWS target for the ingestion benchmark. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { NormalizedRule } from '../../src/connectors/types.ts';
import { seededRandom } from '../../src/net/random-cidrs.ts';

export const LOCAL = '10.0.0.0/16';
const T0 = Date.UTC(2026, 10, 1) / 1000;
const PORTS = [22, 80, 443, 443, 443, 3306, 5432, 8080, 8443];

/** 40 NACL entries and 960 security-group rules of random public /16-/28 sources on common ports. */
export function awsTarget(): NormalizedRule[] {
  const random = seededRandom(15);
  const rules: NormalizedRule[] = [];
  for (let i = 0; i < 1000; i++) {
    const nacl = i < 40;
    const prefix = 16 + random.int(0, 12);
    const a = random.int(1, 223);
    const net = ((a << 24) >>> 0) + random.int(0, 0xffffff);
    const masked = prefix === 0 ? 0 : Math.floor(net / 2 ** (32 - prefix)) * 2 ** (32 - prefix);
    const cidr = `${masked >>> 24}.${(masked >>> 16) & 255}.${(masked >>> 8) & 255}.${masked & 255}/${prefix}`;
    const port = random.pick(PORTS);
    rules.push({
      direction: i % 10 === 9 ? 'egress' : 'ingress',
      action: nacl && i % 4 === 0 ? 'deny' : 'allow',
      protocol: 'tcp',
      ports: [{ from: port, to: port }],
      cidrs: [i === 39 ? '0.0.0.0/0' : cidr],
      priority: nacl ? 100 + i * 10 : 0,
      placement: nacl ? 'nacl' : 'sg',
      cloudId: nacl ? `ingress:${100 + i * 10}` : `sgr-${i.toString(16).padStart(17, '0')}`,
      owned: false,
    });
  }
  // The NACL passes everything else to the security group (as most do).
  rules.push({ direction: 'ingress', action: 'allow', protocol: 'all', ports: [], cidrs: ['0.0.0.0/0'], priority: 32000, placement: 'nacl', cloudId: 'ingress:32000', owned: false });
  return rules;
}

async function writeLines(path: string, count: number, line: (i: number) => string, header?: string) {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let buffer = header ? `${header}\n` : '';
  for (let i = 0; i < count; i++) {
    buffer += `${line(i)}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
}

/** Default v2 records, 100 per second of log time, sources spread over the public space (~100 bytes/line). */
export function writeAwsLog(path: string, count: number) {
  const random = seededRandom(7);
  return writeLines(path, count, (i) => {
    const t = T0 + Math.floor(i / 100);
    const src = `${random.int(1, 223)}.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`;
    const dst = `10.0.${random.int(0, 255)}.${random.int(1, 254)}`;
    return `2 123456789012 eni-0a1b2c3d4e5f6${(i % 1000).toString().padStart(4, '0')} ${src} ${dst} ${random.int(1024, 65535)} ${random.pick(PORTS)} 6 ${random.int(1, 40)} ${random.int(40, 90000)} ${t} ${t + 60} ACCEPT OK`;
  });
}

/** Azure VNet flow logs: one record per 100 tuples, all in one `{"records": [...]}` document. */
export async function writeAzureLog(path: string, tuples: number) {
  const random = seededRandom(9);
  const records = Math.ceil(tuples / 100);
  const out = createWriteStream(path);
  out.write('{"records":[');
  for (let r = 0; r < records; r++) {
    const ms = (T0 + r) * 1000;
    const flowTuples = Array.from({ length: 100 }, (_, k) => `${ms + k},${random.int(1, 223)}.${random.int(0, 255)}.${random.int(0, 255)}.9,10.1.0.4,${random.int(1024, 65535)},443,6,I,${k % 2 ? 'E' : 'B'},NX,3,767,2,1580`);
    const rec = { time: new Date(ms).toISOString(), flowLogVersion: 4, macAddress: '00224871C205', category: 'FlowLogFlowEvent', targetResourceID: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v', flowRecords: { flows: [{ aclID: 'acl', flowGroups: [{ rule: `UserRule_rule-${r % 50}`, flowTuples }] }] } };
    if (!out.write(`${r ? ',' : ''}${JSON.stringify(rec)}`)) await once(out, 'drain');
  }
  out.end(']}');
  await once(out, 'finish');
}

export const azureRules = (): NormalizedRule[] =>
  Array.from({ length: 50 }, (_, i) => ({ direction: 'ingress', action: 'allow', protocol: 'tcp', ports: [{ from: 443, to: 443 }], cidrs: ['0.0.0.0/0'], priority: 100 + i, placement: 'nsg', cloudId: `rule-${i}`, owned: false }));

/** GCP firewall log entries, one per line. */
export function writeGcpLog(path: string, count: number) {
  const random = seededRandom(11);
  return writeLines(path, count, (i) =>
    JSON.stringify({
      insertId: `e${i}`,
      jsonPayload: {
        connection: { src_ip: `${random.int(1, 223)}.${random.int(0, 255)}.${random.int(0, 255)}.9`, src_port: random.int(1024, 65535), dest_ip: '10.128.0.5', dest_port: 443, protocol: 6 },
        disposition: 'ALLOWED',
        rule_details: { reference: `network:prod/firewall:rule-${i % 50}`, priority: 1000, action: 'ALLOW', direction: 'INGRESS' },
        vpc: { project_id: 'p', vpc_name: 'prod' },
      },
      logName: 'projects/p/logs/compute.googleapis.com%2Ffirewall',
      timestamp: new Date((T0 + Math.floor(i / 100)) * 1000).toISOString(),
    }),
  );
}
