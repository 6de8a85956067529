/**
 * Flow logs read straight from object storage (issue 15, item 1's "plus"): S3, Azure Blob and Cloud
 * Storage through the official SDKs (@aws-sdk/client-s3, @azure/storage-blob, @googleapis/storage), whose
 * HTTP msw routes to small simulators of each list/get API. Listing pages are followed to the end, gzip
 * objects are read like files, and a cleanup run through HTTP judges from the objects.
 */
import { gzipSync } from 'node:zlib';
import { http } from 'msw';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Simulator } from '../../connectors/aws-ec2/simulator/s3.ts';
import { createBlobSimulator } from '../../connectors/azure-nsg/simulator/blob.ts';
import { createGcsSimulator } from '../../connectors/gcp-firewall/simulator/gcs.ts';
import type { NormalizedRule } from '../../src/connectors/types.ts';
import { listObjects } from '../../src/flowlogs/server-source.ts';
import { type E2E, startE2E } from '../support/e2e.ts';

const DAY = 86_400_000;
const START = Date.parse('2026-02-01T00:00:00Z');
const s3 = createS3Simulator({ pageSize: 2 });
const blob = createBlobSimulator({ account: 'portcullislogs', pageSize: 2 });
const gcs = createGcsSimulator({ pageSize: 2 });

// One object per day for 15 days: each AWS line is a flow from 192.0.2.10 to tcp/443.
for (let d = 0; d < 15; d++) {
  const t = (START + d * DAY) / 1000;
  const aws = `version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n2 123456789012 eni-0a1b2c3d4e5f60001 192.0.2.10 10.0.1.5 40000 443 6 4 900 ${t} ${t + 60} ACCEPT OK\n`;
  const day = new Date(START + d * DAY).toISOString().slice(0, 10).replaceAll('-', '/');
  const key = `AWSLogs/123456789012/vpcflowlogs/us-east-1/${day}/123456789012_vpcflowlogs_us-east-1_fl-0a1b_${d}.log.gz`;
  s3.controls.putObject('flow-logs', key, gzipSync(aws)); // delivered gzipped, as AWS does
  const azure = { records: [{ time: new Date(START + d * DAY).toISOString(), flowLogVersion: 4, category: 'FlowLogFlowEvent', flowRecords: { flows: [{ aclID: '00aa', flowGroups: [{ rule: 'UserRule_legacy-https', flowTuples: [`${START + d * DAY},192.0.2.10,10.0.0.6,23956,443,6,I,B,NX,0,0,0,0`] }] }] } }] };
  blob.controls.putBlob('insights-logs-flowlogflowevent', `flowLogResourceID=/X/y=2026/d=${d}/PT1H.json`, JSON.stringify(azure));
  const gcp = JSON.stringify({ insertId: `i${d}`, jsonPayload: { connection: { src_ip: '192.0.2.10', src_port: 5, dest_ip: '10.128.0.5', dest_port: 443, protocol: 6 }, disposition: 'ALLOWED', rule_details: { reference: 'network:default/firewall:legacy-https' } }, timestamp: new Date(START + d * DAY).toISOString() });
  gcs.controls.putObject('fw-logs', `compute.googleapis.com/firewall/2026/02/${d}/00:00:00_00:59:59_S0.json`, `${gcp}\n`);
}
s3.controls.putObject('flow-logs', 'other-prefix/ignored.log', 'not read');

const wide = (placement: NormalizedRule['placement'], cloudId?: string, priority = 0): NormalizedRule => ({
  direction: 'ingress',
  action: 'allow',
  protocol: 'tcp',
  ports: [{ from: 443, to: 443 }],
  cidrs: ['0.0.0.0/0'],
  priority,
  placement,
  owned: false,
  ...(cloudId ? { cloudId } : {}),
});

const LOCATIONS = {
  'aws-sandbox': 's3://flow-logs/AWSLogs/',
  'azure-sandbox': 'https://portcullislogs.blob.core.windows.net/insights-logs-flowlogflowevent/flowLogResourceID=',
  'gcp-sandbox': 'gs://fw-logs/compute.googleapis.com/firewall/',
} as const;

let e: E2E;
beforeAll(async () => {
  e = await startE2E({
    extraHandlers: [
      http.all(/^https:\/\/([a-z0-9.-]+\.)?s3\.us-east-1\.amazonaws\.com\//, ({ request }) => s3.fetch(request)),
      http.all('https://portcullislogs.blob.core.windows.net/*', ({ request }) => blob.fetch(request)),
      http.all('https://storage.googleapis.com/*', ({ request }) => gcs.fetch(request)),
    ],
    extraConfig: () => `flowLogs:\n${Object.entries(LOCATIONS).map(([c, l]) => `  - { connector: ${c}, target: edge, objects: [${JSON.stringify(l)}] }`).join('\n')}\n`,
  });
  await e.sims.aws.controls.addForeignRule('sg-0a1b2c3d4e5f60001', wide('sg'));
  await e.sims.azure.controls.addForeignRule('nsg-web', wide('nsg', 'legacy-https', 1200));
  await e.sims.gcp.controls.addForeignRule('default', wide('firewall', 'legacy-https', 900));
});
afterAll(() => e.close());

describe('listing follows every page, under the prefix only', () => {
  it.each(Object.entries(LOCATIONS))('%s: %s', async (connector, location) => {
    const objects = await listObjects(e.connectors.get(connector), location);
    expect(objects).toHaveLength(15); // 8 pages of at most 2
    expect(objects.every((o) => o.name.startsWith(location))).toBe(true);
    expect([...objects.map((o) => o.name)].sort()).toEqual(objects.map((o) => o.name));
  });

  it('the simulators saw list pages and one get per object', () => {
    expect(s3.controls.calls().filter((c) => c === 'ListObjectsV2').length).toBeGreaterThanOrEqual(8);
    expect(blob.controls.calls().filter((c) => c === 'List Blobs').length).toBeGreaterThanOrEqual(8);
    expect(gcs.controls.calls().filter((c) => c === 'objects.list').length).toBeGreaterThanOrEqual(8);
  });
});

describe('ingestion from the objects', () => {
  it.each(Object.keys(LOCATIONS))('%s: usage and 15 days of coverage from the objects (gzip or plain)', async (connector) => {
    const rules = (await e.connectors.get(connector)?.list('edge')) ?? [];
    const traffic = await e.services.runtime?.traffic?.(connector, 'edge', rules);
    const index = rules.findIndex((r) => r.action === 'allow' && r.ports[0]?.from === 443 && r.cidrs.includes('0.0.0.0/0'));
    expect(traffic?.usage.coverage().days).toBe(15);
    expect(traffic?.usage.stats.malformed).toBe(0);
    expect(traffic?.usage.rules.get(index)).toMatchObject({ hits: 15 });
    expect([...(traffic?.usage.rules.get(index)?.remotes4.keys() ?? [])]).toEqual([(192 << 24 >>> 0) + (2 << 8)]);
  });

  it('a cleanup run judges from the objects: narrow 0.0.0.0/0 to the /24 used (plan shown before approval)', async () => {
    const res = await e.call('POST', '/v1/playbooks/cleanup-rules/runs', { playbook: 'cleanup-rules', inputs: { connector: 'gcp-sandbox', target: 'edge', kinds: ['narrow'] } }, { client: 'operator' });
    expect(res.status).toBe(202);
    const audit = await e.services.store.auditAfter(0, 10_000);
    const pending = audit.find((a) => a.action === 'run.pending_approval' && a.playbook === 'cleanup-rules');
    // The rule is foreign: narrowing is proposed for owned rules only, so nothing is planned yet.
    expect(pending?.detail).toMatchObject({ kinds: ['narrow'], coverage: expect.objectContaining({ days: 15 }) });
  });

  it('a missing bucket fails the listing with S3\'s NoSuchBucket (object-storage-refusal.test.ts: a cleanup run is then refused)', async () => {
    const missing = await listObjects(e.connectors.get('aws-sandbox'), 's3://no-such-bucket/x').catch((error: Error) => error);
    expect(String(missing)).toMatch(/NoSuchBucket|bucket does not exist/);
  });
});
