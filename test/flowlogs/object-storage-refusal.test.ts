/** A flow-log location that cannot be read refuses a cleanup run (422 traffic_unavailable naming it), leaving no run. */
import { http } from 'msw';
import { expect, it } from 'vitest';
import { createS3Simulator } from '../../connectors/aws-ec2/simulator/s3.ts';
import { startE2E } from '../support/e2e.ts';

it('a cleanup run over a missing bucket is refused, naming the target and the cloud error', async () => {
  const s3 = createS3Simulator();
    const bad = await startE2E({
      extraHandlers: [http.all(/^https:\/\/([a-z0-9.-]+\.)?s3\.us-east-1\.amazonaws\.com\//, ({ request }) => s3.fetch(request))],
      extraConfig: () => 'flowLogs:\n  - { connector: aws-sandbox, target: edge, objects: ["s3://no-such-bucket/AWSLogs/"] }\n',
    });
    try {
      const res = await bad.call('POST', '/v1/playbooks/cleanup-rules/runs', { playbook: 'cleanup-rules', inputs: { connector: 'aws-sandbox', target: 'edge', kinds: ['unused'] } }, { client: 'operator' });
      expect(res.status).toBe(422);
      const body = (await res.json()) as { code: string; detail: string };
      expect(body.code).toBe('traffic_unavailable');
      expect(body.detail).toMatch(/aws-sandbox\/edge could not be read: .*bucket does not exist/);
      expect(((await (await bad.call('GET', '/v1/runs')).json()) as { runs: unknown[] }).runs).toEqual([]);
    } finally {
      await bad.close();
    }
});
