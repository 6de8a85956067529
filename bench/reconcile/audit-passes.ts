/**
 * Reconcile passes per target, and the cloud writes each pass made, from the server's own audit log
 * (GET /v1/audit/events?format=ndjson with the read token). A pass commits its `cloud.operation` events and
 * its `reconcile.pass` summary together, so the operations of a target between two of its summaries
 * belong to the later pass.
 */
import { CLOUDS, CONNECTOR, type Cloud } from './clouds.ts';
import type { RunningChild } from './server.ts';

export interface PassStats {
  passes: number;
  /** Passes that sent at least one write. */
  writingPasses: number;
  /** Write attempts (HTTP requests) recorded in the audit log, retries included. */
  writes: number;
  maxWritesInOnePass: number;
  /** The passes' summaries that were not all success (a sample). */
  failures: string[];
  /** Every pass: when it committed, the intents it saw, and its writes as "op(prefixes)". */
  timeline: { at: string; intents: number; writes: string[] }[];
}

interface AuditLine {
  seq: number;
  action: string;
  target?: string;
  time: string;
  detail?: { op?: string; rule?: { prefixes?: number }; calls?: { operation: string; attempts?: unknown[] }[]; [k: string]: unknown };
}

/** Cloud API operations that change state (EC2 actions, ARM operation ids, compute methods). */
const WRITE_OPERATION = /^(Create|Delete|Replace|Authorize|Revoke|Modify)|CreateOrUpdate|_Delete|\.(insert|update|patch|delete|setTags)$/;

export async function passesFromAudit(child: RunningChild): Promise<Record<Cloud, PassStats>> {
  const res = await fetch(`${child.url}/v1/audit/events?format=ndjson`, { headers: { authorization: `Bearer ${child.token}` } });
  if (!res.ok) throw new Error(`GET /v1/audit/events answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  const lines = (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditLine);
  lines.sort((a, b) => a.seq - b.seq);
  const stats = {} as Record<Cloud, PassStats>;
  for (const cloud of CLOUDS) {
    const target = `${CONNECTOR[cloud].id}/edge`;
    const s: PassStats = { passes: 0, writingPasses: 0, writes: 0, maxWritesInOnePass: 0, failures: [], timeline: [] };
    let inPass = 0;
    let ops: string[] = [];
    for (const line of lines.filter((l) => l.target === target)) {
      if (line.action === 'cloud.operation') {
        for (const call of line.detail?.calls ?? []) {
          if (WRITE_OPERATION.test(call.operation)) inPass += Math.max(1, call.attempts?.length ?? 1);
        }
        ops.push(`${line.detail?.op ?? '?'}(${line.detail?.rule?.prefixes ?? '?'})`);
      } else if (line.action === 'reconcile.pass') {
        s.passes++;
        if (inPass > 0) s.writingPasses++;
        s.writes += inPass;
        s.maxWritesInOnePass = Math.max(s.maxWritesInOnePass, inPass);
        s.timeline.push({ at: line.time, intents: Number(line.detail?.intents ?? 0), writes: ops });
        inPass = 0;
        ops = [];
        if (line.detail?.error && s.failures.length < 3) s.failures.push(String(line.detail.error).slice(0, 200));
      }
    }
    stats[cloud] = s;
  }
  return stats;
}
