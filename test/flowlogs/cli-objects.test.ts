/** `portcullis analyze --connector … --flow-logs s3://…`: the CLI reads flow logs from S3 through the connector's SDK. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { awsEc2 } from '../../connectors/aws-ec2/index.ts';
import { mswHandlers } from '../../connectors/aws-ec2/simulator/msw.ts';
import { createS3Simulator } from '../../connectors/aws-ec2/simulator/s3.ts';
import { runCapture } from '../cli/run.ts';
import { e2eConfigText } from '../support/e2e.ts';

const DAY = 86_400;
const ec2 = awsEc2.createSimulator({});
const s3 = createS3Simulator({ pageSize: 3 });
const server = setupServer(...mswHandlers(ec2), http.all(/^https:\/\/([a-z0-9.-]+\.)?s3\.us-east-1\.amazonaws\.com\//, ({ request }) => s3.fetch(request)));
const dir = mkdtempSync(join(tmpdir(), 'portcullis-cli-objects-'));
const config = join(dir, 'portcullis.config.yaml');

beforeAll(async () => {
  server.listen({ onUnhandledFrame: 'error' });
  // The repo's sandbox config with real (msw-routed) connectors, minus the sandbox-only console.
  writeFileSync(config, e2eConfigText(dir).replace(/^console:.*\n(?:(?:[ #].*)?\n)*/m, ''));
  await ec2.controls.addForeignRule('sg-0a1b2c3d4e5f60001', { direction: 'ingress', action: 'allow', protocol: 'tcp', ports: [{ from: 8080, to: 8080 }], cidrs: ['198.51.100.0/24'], priority: 0, placement: 'sg', owned: false });
  await ec2.controls.addForeignRule('sg-0a1b2c3d4e5f60001', { direction: 'ingress', action: 'allow', protocol: 'tcp', ports: [{ from: 443, to: 443 }], cidrs: ['0.0.0.0/0'], priority: 0, placement: 'sg', owned: false });
  for (let d = 0; d < 15; d++) {
    const t = 1_769_904_000 + d * DAY;
    const body = `version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n2 123456789012 eni-0a1b2c3d4e5f60001 192.0.2.10 10.0.1.5 40000 443 6 4 900 ${t} ${t + 60} ACCEPT OK\n`;
    s3.controls.putObject('flow-logs', `AWSLogs/123456789012/vpcflowlogs/us-east-1/day-${String(d).padStart(2, '0')}.log.gz`, gzipSync(body));
  }
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

it('lists every page of the prefix, reads the gzip objects and prints unused and narrowable rules with evidence', async () => {
  const r = await runCapture(['analyze', '--connector', 'aws-sandbox', '--target', 'edge', '--config', config, '--flow-logs', 's3://flow-logs/AWSLogs/']);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/\[medium\] unused: sg .* carried no traffic in 15 days/);
  expect(r.out).toMatch(/narrowable: sg .* only used from 1 prefix\(es\) \(192\.0\.2\.0\/24\)/);
  expect(s3.controls.calls().filter((c) => c === 'ListObjectsV2')).toHaveLength(5);
  expect(s3.controls.calls().filter((c) => c === 'GetObject')).toHaveLength(15);
});

it('a missing bucket is one line naming the location (exit 1); a location without --connector is refused', async () => {
  const missing = await runCapture(['analyze', '--connector', 'aws-sandbox', '--target', 'edge', '--config', config, '--flow-logs', 's3://no-such-bucket/x']);
  expect(missing.code).toBe(1);
  expect(missing.err).toMatch(/^--flow-logs s3:\/\/no-such-bucket\/x: .*bucket does not exist/);
  const rules = join(dir, 'rules.json');
  writeFileSync(rules, '[]');
  const bare = await runCapture(['analyze', '--rules', rules, '--flow-format', 'aws', '--flow-logs', 's3://flow-logs/AWSLogs/']);
  expect(bare.code).toBe(1);
  expect(bare.err).toMatch(/an object-storage location is read with a connector's credentials; give --connector and --target/);
});
