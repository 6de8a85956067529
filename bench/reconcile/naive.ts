/**
 * The naive client: one cloud call per block, through the real connectors (same SDKs, same retry policy),
 * a fixed number in flight per cloud as a SOAR running playbooks in parallel would, against fresh simulators.
 * One connector instance per cloud is shared by the workers (one integration, one client), which is the
 * kindest reading for the naive side: the Azure connector's per-NSG queue spares it 409s.
 */
import type { Connector, NormalizedRule } from '../../src/connectors/types.ts';
import { CLOUDS, type Cloud } from './clouds.ts';

export interface NaiveTally {
  held: number;
  /** Refused explicitly: no room (capacity/quota), or no priority left in the band for one more rule. */
  refused: number;
  /** Failed after the retry policy gave up, for any other reason. */
  lost: number;
  /** Not attempted before the naive run's deadline. */
  notAttempted: number;
  /** ms from the start until the last block that holds was confirmed by the cloud. */
  lastHeldAt?: number;
  errors: Map<string, number>;
}

const placementOf: Record<Cloud, NormalizedRule['placement']> = { aws: 'nacl', azure: 'nsg', gcp: 'firewall' };

/** One deny rule for one address; `index` picks a distinct priority where the cloud needs one per rule. */
function ruleFor(cloud: Cloud, connector: Connector, address: string, index: number): NormalizedRule | undefined {
  const band = connector.limits('edge', placementOf[cloud]).priorityBand;
  // EC2 NACL: 0 lets the connector take the lowest free number. Azure: one priority per rule. GCP: priorities may repeat.
  const priority = cloud === 'aws' ? 0 : cloud === 'azure' ? band.from + index : band.from;
  if (priority > band.to) return undefined;
  return { direction: 'ingress', action: 'deny', protocol: 'all', ports: [], cidrs: [`${address}/32`], priority, placement: placementOf[cloud], owned: true };
}

export async function runNaive(
  connectors: Record<Cloud, Connector>,
  addresses: string[],
  options: { concurrency: number; deadlineMs: number; onProgress?: (cloud: Cloud, done: number) => void },
): Promise<Record<Cloud, NaiveTally>> {
  const started = performance.now();
  const out = {} as Record<Cloud, NaiveTally>;
  await Promise.all(
    CLOUDS.map(async (cloud) => {
      const connector = connectors[cloud];
      const tally: NaiveTally = { held: 0, refused: 0, lost: 0, notAttempted: 0, errors: new Map() };
      out[cloud] = tally;
      let next = 0;
      let done = 0;
      const note = (reason: string) => tally.errors.set(reason, (tally.errors.get(reason) ?? 0) + 1);
      const worker = async () => {
        while (next < addresses.length) {
          const index = next++;
          if (performance.now() - started > options.deadlineMs) {
            tally.notAttempted++;
            continue;
          }
          const rule = ruleFor(cloud, connector, addresses[index] ?? '', index);
          if (!rule) {
            tally.refused++;
            note('no priority left in the band');
          } else {
            const [result] = await connector.apply('edge', [{ op: 'create', rule }]);
            if (result?.ok) {
              tally.held++;
              tally.lastHeldAt = performance.now() - started;
            } else if (result?.error && ['capacity', 'quota'].includes(result.error.kind)) {
              tally.refused++;
              note(`${result.error.kind}: ${result.error.code}`);
            } else {
              tally.lost++;
              note(`${result?.error?.kind ?? 'unknown'}: ${result?.error?.code ?? 'no result'}`);
            }
          }
          done++;
          if (done % 100 === 0) options.onProgress?.(cloud, done);
        }
      };
      await Promise.all(Array.from({ length: options.concurrency }, worker));
    }),
  );
  return out;
}
