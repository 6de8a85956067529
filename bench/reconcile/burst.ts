/**
 * The service side of the burst: N signed block-ip calls spread over a window, then GET /v1/blocks until
 * every accepted block has settled on every target (or the wait bound passes).
 */
import { CLIENT_HEADER } from '../../src/http/auth.ts';
import { signHeaders } from '../../src/http/signature.ts';
import { CLOUDS, CONNECTOR, type Cloud } from './clouds.ts';
import { BENCH_CLIENT, type RunningChild } from './server.ts';

/**
 * Distinct public IPv4 addresses. `distinct`: odd last octets (185.220.100.1, .3, ...), so no two are
 * adjacent and no prefix can merge them: every block needs its own room. `mergeable`: consecutive
 * addresses from 185.220.100.0, which aggregate into larger prefixes.
 */
export function burstAddresses(count: number, mode: 'distinct' | 'mergeable'): string[] {
  const per = mode === 'distinct' ? 128 : 256;
  if (count > per * 150) throw new Error(`at most ${per * 150} addresses in ${mode} mode`);
  return Array.from({ length: count }, (_, i) => {
    const last = mode === 'distinct' ? 2 * (i % per) + 1 : i % per;
    return `185.220.${100 + Math.floor(i / per)}.${last}`;
  });
}

export interface Sent {
  address: string;
  status: number;
  /** ms after the burst started when the answer came back. */
  answeredAt: number;
  problem?: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

/** Fires one signed POST per address at evenly spaced times within `windowMs`; resolves when all have answered. */
export async function fireBurst(child: RunningChild, addresses: string[], windowMs: number, startedAt: number): Promise<Sent[]> {
  const inFlight: Promise<Sent>[] = [];
  for (const [i, address] of addresses.entries()) {
    await sleep(startedAt + (i * windowMs) / addresses.length - performance.now());
    inFlight.push(postBlock(child, address, startedAt));
  }
  return Promise.all(inFlight);
}

async function postBlock(child: RunningChild, address: string, startedAt: number): Promise<Sent> {
  const body = JSON.stringify({ playbook: 'block-ip', inputs: { indicators: [address], reason: 'bench burst' } });
  try {
    const headers = await signHeaders(child.secret, body);
    const res = await fetch(`${child.url}/v1/playbooks/block-ip/runs`, {
      method: 'POST',
      headers: { ...headers, [CLIENT_HEADER]: BENCH_CLIENT, 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return { address, status: res.status, answeredAt: performance.now() - startedAt, ...(res.status === 202 ? {} : { problem: text.slice(0, 300) }) };
  } catch (error) {
    return { address, status: 0, answeredAt: performance.now() - startedAt, problem: String(error) };
  }
}

/** How one target stands for the accepted blocks. */
export interface TargetTally {
  applied: number;
  /** Refused explicitly because the target has no room (the NACL's entry quota, the band, the prefix budget). */
  refusedCapacity: number;
  failedOther: number;
  pending: number;
  /** Accepted but absent from GET /v1/blocks. */
  missing: number;
  /** ms after the burst started when every accepted block was applied or refused for capacity; undefined if never. */
  settledAt?: number;
  /** A sample of the non-capacity failure reasons. */
  errors: string[];
}

export const CAPACITY_ERROR = /rules-exhausted|band-full|prefix-budget|NaclCapacity|capacity/i;

interface BlocksBody {
  blocks: { cidr: string; targets: { connector: string; target: string; state: string; error: string | null }[] }[];
}

/** Polls GET /v1/blocks (bearer token) until every target has settled, or `maxWaitMs` after the burst started. */
export async function waitSettled(
  child: RunningChild,
  accepted: string[],
  startedAt: number,
  options: { maxWaitMs: number; pollMs: number },
): Promise<Record<Cloud, TargetTally>> {
  const tallies = {} as Record<Cloud, TargetTally>;
  const deadline = startedAt + options.maxWaitMs;
  for (let poll = 0; poll < 10_000; poll++) {
    // Every page (GET /v1/blocks answers at most 1,000 blocks a page; `next` is the following one).
    const body: BlocksBody = { blocks: [] };
    for (let path: string | null = '/v1/blocks?limit=1000'; path; ) {
      const res = await fetch(`${child.url}${path}`, { headers: { authorization: `Bearer ${child.token}` } });
      if (!res.ok) throw new Error(`GET /v1/blocks answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
      const page = (await res.json()) as BlocksBody & { next: string | null };
      body.blocks.push(...page.blocks);
      path = page.next;
    }
    const at = performance.now() - startedAt;
    const byCidr = new Map(body.blocks.map((b) => [b.cidr, b.targets]));
    for (const cloud of CLOUDS) {
      const tally = tallyTarget(cloud, accepted, byCidr);
      const before = tallies[cloud]?.settledAt;
      const settled = tally.pending + tally.missing + tally.failedOther === 0;
      tallies[cloud] = { ...tally, ...(before !== undefined ? { settledAt: before } : settled ? { settledAt: at } : {}) };
    }
    const quiet = CLOUDS.every((c) => tallies[c].pending + tallies[c].missing === 0);
    if (quiet || performance.now() > deadline) break;
    await sleep(options.pollMs);
  }
  return tallies;
}

function tallyTarget(cloud: Cloud, accepted: string[], byCidr: Map<string, BlocksBody['blocks'][number]['targets']>): TargetTally {
  const tally: TargetTally = { applied: 0, refusedCapacity: 0, failedOther: 0, pending: 0, missing: 0, errors: [] };
  for (const address of accepted) {
    const state = byCidr.get(`${address}/32`)?.find((t) => t.connector === CONNECTOR[cloud].id);
    if (!state) tally.missing++;
    else if (state.state === 'applied') tally.applied++;
    else if (state.state === 'failed' && CAPACITY_ERROR.test(state.error ?? '')) tally.refusedCapacity++;
    else if (state.state === 'failed') {
      tally.failedOther++;
      if (tally.errors.length < 3) tally.errors.push(state.error ?? '(no reason)');
    } else tally.pending++;
  }
  return tally;
}
