import type { Intent, RunFilter, RunRecord, RunTargetState, RunView, RunWork } from '../../runs/types.ts';
import { type SqlDriver, type SqlStatement, sql } from './driver.ts';
import { addressKey, blockColumns, containingStarts } from '../../runs/block-keys.ts';
import type { IpAddress } from '../../net/ip.ts';
import type { BlockEntry, BlockGroup, BlockPage, BlockQuery } from '../types.ts';

/** The incident a run names (block/unblock/quarantine: incident_id; allow/cleanup/adopt: ticket), '' when none. */
export function incidentOf(inputs: Record<string, unknown>): string {
  const value = inputs.incident_id ?? inputs.ticket;
  return typeof value === 'string' ? value : '';
}

interface IntentRow {
  id: string;
  run_id: string;
  kind: Intent['kind'];
  connector_id: string;
  target_id: string;
  match_key: string;
  spec: string;
  desired: Intent['desired'];
  state: Intent['state'];
  expires_at: number | null;
  offenses: number;
  error: string | null;
  error_retryable: number | null;
  cloud: string | null;
  created_at: number;
  updated_at: number;
}

type BlockRow = Pick<IntentRow, 'id' | 'run_id' | 'connector_id' | 'target_id' | 'state' | 'error' | 'expires_at' | 'offenses' | 'spec' | 'cloud'> & { block_key: string };

interface RunRow {
  id: string;
  playbook: string;
  action: string;
  client_id: string;
  status: RunRecord['status'];
  inputs: string;
  targets: string;
  decision: string | null;
  created_at: number;
  updated_at: number;
}

export const toIntent = (r: IntentRow): Intent => ({
  id: r.id,
  runId: r.run_id,
  kind: r.kind,
  connectorId: r.connector_id,
  targetId: r.target_id,
  matchKey: r.match_key,
  spec: JSON.parse(r.spec),
  desired: r.desired,
  state: r.state,
  ...(r.expires_at !== null ? { expiresAt: r.expires_at } : {}),
  offenses: r.offenses,
  ...(r.error !== null ? { error: r.error } : {}),
  ...(r.error_retryable !== null && r.error_retryable !== undefined ? { errorRetryable: r.error_retryable === 1 } : {}),
  ...(r.cloud !== null ? { cloud: JSON.parse(r.cloud) } : {}),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toRun = (r: RunRow): RunRecord => ({
  id: r.id,
  playbook: r.playbook,
  action: r.action,
  clientId: r.client_id,
  status: r.status,
  inputs: JSON.parse(r.inputs),
  targets: JSON.parse(r.targets),
  ...(r.decision ? { decision: JSON.parse(r.decision) } : {}),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The statements for the run/intent part of a unit of work, in a safe order. */
export function runWorkStatements(work: RunWork): SqlStatement[] {
  const out: SqlStatement[] = [];
  for (const r of work.runs ?? []) {
    out.push(
      sql(
        `INSERT INTO runs (id, playbook, action, client_id, status, inputs, targets, decision, created_at, updated_at, incident_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        r.id, r.playbook, r.action, r.clientId, r.status, JSON.stringify(r.inputs), JSON.stringify(r.targets),
        r.decision ? JSON.stringify(r.decision) : null, r.createdAt, r.updatedAt, incidentOf(r.inputs),
      ),
    );
  }
  for (const d of work.runDecisions ?? []) {
    out.push(
      sql('INSERT INTO run_decisions (run_id, decision, client_id, decided_at) VALUES (?, ?, ?, ?)', d.runId, d.decision, d.clientId ?? null, d.at),
    );
  }
  for (const s of work.runStatus ?? []) {
    out.push(
      sql(
        'UPDATE runs SET status = ?, decision = COALESCE(?, decision), updated_at = ? WHERE id = ?',
        s.status, s.decision ? JSON.stringify(s.decision) : null, s.at, s.id,
      ),
    );
  }
  for (const i of work.upsertIntents ?? []) {
    const b = blockColumns(i.spec);
    out.push(
      sql(
        `INSERT INTO intents (id, run_id, kind, connector_id, target_id, match_key, spec, desired, state, expires_at, offenses, created_at, updated_at,
           net_start, net_end, block_key, run_client_id, run_incident_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'present', 'pending', ?, ?, ?, ?, ?, ?, ?,
           (SELECT client_id FROM runs WHERE id = ?), (SELECT incident_id FROM runs WHERE id = ?))
         ON CONFLICT (connector_id, target_id, match_key) DO UPDATE SET
           run_id = excluded.run_id, spec = excluded.spec, desired = 'present', state = 'pending',
           expires_at = excluded.expires_at, offenses = excluded.offenses, error = NULL, error_retryable = NULL,
           updated_at = excluded.updated_at, net_start = excluded.net_start, net_end = excluded.net_end, block_key = excluded.block_key,
           run_client_id = excluded.run_client_id, run_incident_id = excluded.run_incident_id`,
        i.id, i.runId, i.kind, i.connectorId, i.targetId, i.matchKey, JSON.stringify(i.spec),
        i.expiresAt ?? null, i.offenses, i.createdAt, i.updatedAt, b.netStart, b.netEnd, b.blockKey, i.runId, i.runId,
      ),
      sql(
        `INSERT INTO run_intents (run_id, intent_id, state, desired)
         SELECT ?, id, 'pending', 'present' FROM intents WHERE connector_id = ? AND target_id = ? AND match_key = ?
         ON CONFLICT DO NOTHING`,
        i.runId, i.connectorId, i.targetId, i.matchKey,
      ),
    );
  }
  for (const r of work.retractIntents ?? []) {
    out.push(sql(`UPDATE intents SET desired = 'absent', state = 'pending', error_retryable = NULL, updated_at = ? WHERE id = ?`, r.at, r.id));
    if (r.runId) {
      out.push(
        sql(`INSERT INTO run_intents (run_id, intent_id, state, desired) VALUES (?, ?, 'pending', 'absent') ON CONFLICT DO NOTHING`, r.runId, r.id),
      );
    }
  }
  for (const o of work.intentOutcomes ?? []) {
    // An intent retracted and removed is "removed"; otherwise its state is the pass's outcome.
    out.push(
      sql(
        `UPDATE intents SET state = ?, error = ?, error_retryable = ?, cloud = COALESCE(?, cloud), updated_at = ? WHERE id = ?`,
        o.state, o.error ?? null, o.retryable === undefined ? null : Number(o.retryable),
        o.cloud === undefined ? null : JSON.stringify(o.cloud), o.at, o.id,
      ),
    );
    // The runs this outcome concerns: those still waiting on the intent, and those whose request it
    // still carries out (the run that last asked for it present, or the runs that asked it absent), so
    // a run refused for capacity follows its block when room is later freed. Other runs keep their end.
    const runState = o.state === 'failed' ? 'failed' : 'applied';
    const concerned = `intent_id = ? AND (state = 'pending' OR EXISTS (
        SELECT 1 FROM intents i WHERE i.id = run_intents.intent_id AND i.desired = run_intents.desired
        AND (i.desired = 'absent' OR (i.run_id = run_intents.run_id AND (i.expires_at IS NULL OR i.expires_at > ?)))))`;
    out.push(
      sql(
        `UPDATE runs SET updated_at = ? WHERE id IN (SELECT run_id FROM run_intents WHERE ${concerned}
           AND (state <> ? OR COALESCE(error, '') <> COALESCE(?, '')))`,
        o.at, o.id, o.at, runState, o.error ?? null,
      ),
      sql(`UPDATE run_intents SET state = ?, error = ? WHERE ${concerned}`, runState, o.error ?? null, o.id, o.at),
    );
  }
  return out;
}

export class RunQueries {
  private readonly driver: SqlDriver;
  constructor(driver: SqlDriver) {
    this.driver = driver;
  }

  async intentsForTarget(connectorId: string, targetId: string): Promise<Intent[]> {
    const rows = await this.driver.all<IntentRow>(
      `SELECT * FROM intents WHERE connector_id = ? AND target_id = ? AND NOT (desired = 'absent' AND state = 'removed')`,
      [connectorId, targetId],
    );
    return rows.map(toIntent);
  }

  async intentsByKeys(keys: { connectorId: string; targetId: string; matchKey: string }[]): Promise<Intent[]> {
    const out: Intent[] = [];
    for (const k of keys) {
      const rows = await this.driver.all<IntentRow>(
        'SELECT * FROM intents WHERE connector_id = ? AND target_id = ? AND match_key = ?',
        [k.connectorId, k.targetId, k.matchKey],
      );
      if (rows[0]) out.push(toIntent(rows[0]));
    }
    return out;
  }

  async targetsWithPendingWork(): Promise<{ connectorId: string; targetId: string }[]> {
    const rows = await this.driver.all<{ connector_id: string; target_id: string }>(
      `SELECT DISTINCT connector_id, target_id FROM intents WHERE state = 'pending'`,
    );
    return rows.map((r) => ({ connectorId: r.connector_id, targetId: r.target_id }));
  }

  /** Present intents whose expiry has passed. */
  async dueExpiries(now: number): Promise<Intent[]> {
    const rows = await this.driver.all<IntentRow>(
      `SELECT * FROM intents WHERE desired = 'present' AND expires_at IS NOT NULL AND expires_at <= ?`,
      [now],
    );
    return rows.map(toIntent);
  }

  async nextExpiry(): Promise<number | undefined> {
    const [row] = await this.driver.all<{ at: number | null }>(
      `SELECT MIN(expires_at) AS at FROM intents WHERE desired = 'present' AND expires_at IS NOT NULL`,
    );
    return row?.at ?? undefined;
  }

  async activeIntents(kind: Intent['kind']): Promise<Intent[]> {
    const rows = await this.driver.all<IntentRow>(
      `SELECT * FROM intents WHERE kind = ? AND desired = 'present' ORDER BY created_at, id`,
      [kind],
    );
    return rows.map(toIntent);
  }

  /**
   * One page of blocks. Cost: the inner query walks the partial index intents_block_key from the
   * cursor (or probes intents_block_start at most 33/129 times for `containing`), applying the filters
   * to each row, until `limit + 1` distinct blocks are found; the outer query then reads those blocks'
   * intents by the same index. A selective filter (a rare state or client) may walk further.
   */
  async listBlocks(q: BlockQuery): Promise<BlockPage> {
    // Always a lower bound: without one SQLite walks the whole index for the DISTINCT ... LIMIT (every
    // block_key is non-empty, so '' is before the first).
    const after = q.after ?? '';
    await this.blockColumnsFilled();
    const where = [`kind = 'deny'`, `desired = 'present'`];
    const params: unknown[] = [];
    if (q.connectorId !== undefined) where.push('connector_id = ?') && params.push(q.connectorId);
    if (q.targetId !== undefined) where.push('target_id = ?') && params.push(q.targetId);
    // `state || ''`: checked on the rows the keyset walk reads, never through intents_target, whose
    // (connector, target, state) prefix would read every intent of the target and sort them.
    if (q.state !== undefined) where.push(`state || '' = ?`) && params.push(q.state);
    if (q.expiresBefore !== undefined) where.push('expires_at IS NOT NULL AND expires_at < ?') && params.push(q.expiresBefore);
    if (q.clientId !== undefined) where.push('run_client_id = ?') && params.push(q.clientId);
    if (q.incident !== undefined) where.push('run_incident_id = ?') && params.push(q.incident);
    if (q.containing) return this.blocksContaining(q.containing, where, params, after, q.limit);
    const filter = where.join(' AND ');
    // Only the columns a block shows (no JSON but the first spec of each block): a page of 100 blocks
    // on three targets is 300 rows.
    const rows = await this.driver.all<BlockRow>(
      `SELECT id, run_id, connector_id, target_id, state, error, expires_at, offenses, block_key, spec, cloud FROM intents
       WHERE ${filter} AND block_key IN (
         SELECT DISTINCT block_key FROM intents WHERE ${filter} AND block_key > ?
         ORDER BY block_key LIMIT ?)
       ORDER BY block_key, connector_id, target_id, id`,
      [...params, ...params, after, q.limit + 1],
    );
    return pageOf(groupBlocks(rows), q.limit);
  }

  /**
   * The blocks containing an address: `net_start IN (the address masked to each prefix length) AND
   * net_end >= address`, point probes of intents_block_start. The candidates go as bound parameters in
   * chunks of a fixed size (33 for IPv4 in one statement, 129 for IPv6 in three of 43), so the
   * statement text is the same for every address (one prepared statement, not one per address) and
   * stays under D1's 100 bound parameters. At most 129 blocks per direction contain an address, so
   * every match is read and the page is cut here.
   */
  private async blocksContaining(address: IpAddress, where: string[], params: unknown[], after: string, limit: number): Promise<BlockPage> {
    const starts = containingStarts(address);
    const size = address.family === 'ipv4' ? 33 : 43;
    const rows: BlockRow[] = [];
    for (let i = 0; i < starts.length; i += size) {
      const chunk = starts.slice(i, i + size);
      while (chunk.length < size) chunk.push(chunk[0] as string);
      rows.push(
        ...(await this.driver.all<BlockRow>(
          `SELECT id, run_id, connector_id, target_id, state, error, expires_at, offenses, block_key, spec, cloud FROM intents
           WHERE ${where.join(' AND ')} AND net_start IN (${chunk.map(() => '?').join(', ')}) AND net_end >= ? AND block_key > ?`,
          [...params, ...chunk, addressKey(address.family, address.value), after],
        )),
      );
    }
    rows.sort((a, b) => compareText(a.block_key, b.block_key) || compareText(a.connector_id, b.connector_id) || compareText(a.target_id, b.target_id) || compareText(a.id, b.id));
    return pageOf(groupBlocks(rows), limit);
  }

  private filled: Promise<void> | undefined;
  /** Once per process: fills the block columns of rows written before migration 0017 (none after it). */
  private blockColumnsFilled(): Promise<void> {
    this.filled ??= this.fillBlockColumns().catch((error) => {
      this.filled = undefined;
      throw error;
    });
    return this.filled;
  }

  private async fillBlockColumns(): Promise<void> {
    for (;;) {
      const rows = await this.driver.all<{ id: string; inputs: string }>('SELECT id, inputs FROM runs WHERE incident_id IS NULL LIMIT 500');
      if (!rows.length) break;
      await this.driver.batch(rows.map((r) => sql('UPDATE runs SET incident_id = ? WHERE id = ?', incidentOf(JSON.parse(r.inputs)), r.id)));
    }
    for (;;) {
      const rows = await this.driver.all<{ id: string; spec: string }>(
        `SELECT id, spec FROM intents WHERE kind = 'deny' AND desired = 'present' AND net_start IS NULL LIMIT 500`,
      );
      if (!rows.length) break;
      await this.driver.batch(
        rows.map((r) => {
          const b = blockColumns(JSON.parse(r.spec));
          return sql(
            `UPDATE intents SET net_start = ?, net_end = ?, block_key = ?,
               run_client_id = (SELECT client_id FROM runs WHERE runs.id = intents.run_id),
               run_incident_id = (SELECT incident_id FROM runs WHERE runs.id = intents.run_id)
             WHERE id = ?`,
            b.netStart, b.netEnd, b.blockKey, r.id,
          );
        }),
      );
    }
  }

  async getRun(id: string): Promise<RunView | undefined> {
    const [row] = await this.driver.all<RunRow>('SELECT * FROM runs WHERE id = ?', [id]);
    return row ? this.view(toRun(row)) : undefined;
  }

  async listRuns(filter: RunFilter): Promise<RunView[]> {
    const approvalStates = ['pending_approval', 'rejected', 'approval_expired'];
    // Derived statuses (pending, applied, …) need each run's intents: scan pages of accepted runs,
    // newest first, until the page is full or the runs run out, so a short page means "no more".
    const derived = filter.status !== undefined && !approvalStates.includes(filter.status);
    const out: RunView[] = [];
    let before = filter.before;
    for (;;) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (filter.playbook) where.push('playbook = ?') && params.push(filter.playbook);
      if (filter.clientId) where.push('client_id = ?') && params.push(filter.clientId);
      if (before) {
        where.push('(created_at < ? OR (created_at = ? AND id < ?))');
        params.push(before.createdAt, before.createdAt, before.id);
      }
      if (filter.status && !derived) where.push('status = ?') && params.push(filter.status);
      if (derived) where.push(`status = 'accepted'`);
      const batch = derived ? Math.max(50, filter.limit * 2) : filter.limit;
      const rows = await this.driver.all<RunRow>(
        `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ?`,
        [...params, batch],
      );
      const views = await Promise.all(rows.map((r) => this.view(toRun(r))));
      for (const v of views) {
        if (derived && v.status !== filter.status) continue;
        out.push(v);
        if (out.length === filter.limit) return out;
      }
      const last = rows.at(-1);
      if (!derived || rows.length < batch || !last) return out;
      before = { createdAt: last.created_at, id: last.id };
    }
  }

  private async view(run: RunRecord): Promise<RunView> {
    const rows = await this.driver.all<{ connector_id: string; target_id: string; state: string; error: string | null; cloud: string | null }>(
      `SELECT i.connector_id, i.target_id, ri.state, ri.error, i.cloud FROM run_intents ri JOIN intents i ON i.id = ri.intent_id
       WHERE ri.run_id = ?`,
      [run.id],
    );
    const perTarget = run.targets.map((t): RunTargetState => {
      const mine = rows.filter((r) => r.connector_id === t.connector && r.target_id === t.target);
      const errors = [...new Set(mine.flatMap((r) => (r.error ? [r.error] : [])))];
      // Before approval nothing is planned on the targets yet: they are all still pending.
      const state = run.status === 'accepted' ? aggregate(mine.map((r) => r.state)) : 'pending';
      const points = chainPoints(mine);
      return { connector: t.connector, target: t.target, state, intents: mine.length, errors, ...(points ? { points } : {}) };
    });
    const { status: recorded, ...rest } = run;
    const status = recorded === 'accepted' ? aggregate(perTarget.flatMap((t) => (t.intents ? [t.state] : []))) : recorded;
    return { ...rest, status, perTarget };
  }
}

/**
 * A block row's placement chain and the points it holds on (`cloud.points`), for GET /v1/blocks. The
 * JSON is parsed only for rows that name a chain (a substring check first), so blocks outside chains
 * cost nothing more.
 */
function chainOf(row: Pick<IntentRow, 'spec' | 'cloud'>): Pick<BlockEntry, 'chain' | 'points'> {
  if (!row.spec.includes('"chain"') && !row.cloud?.includes('"chain"')) return {};
  const cloud = row.cloud ? (JSON.parse(row.cloud) as { chain?: unknown; points?: unknown }) : undefined;
  const chain = typeof cloud?.chain === 'string' ? cloud.chain : (JSON.parse(row.spec) as Intent['spec']).chain;
  return {
    ...(chain ? { chain } : {}),
    ...(Array.isArray(cloud?.points) ? { points: cloud.points as string[] } : {}),
  };
}

/**
 * Where a target's blocks hold when they go through a placement chain (the intents' `cloud.points`): the
 * run's intents per point, in the order first seen. Undefined for a target that is no chain's head. O(n).
 */
function chainPoints(rows: { cloud: string | null }[]): { point: string; intents: number }[] | undefined {
  let counts: Map<string, { intents: number; at: number }> | undefined;
  for (const row of rows) {
    if (!row.cloud) continue;
    const cloud = JSON.parse(row.cloud) as { chain?: unknown; points?: unknown; index?: unknown };
    if (typeof cloud?.chain !== 'string' || !Array.isArray(cloud.points)) continue;
    counts ??= new Map();
    (cloud.points as string[]).forEach((point, k) => {
      const entry = counts?.get(point) ?? { intents: 0, at: Array.isArray(cloud.index) ? Number(cloud.index[k]) : 0 };
      entry.intents++;
      counts?.set(point, entry);
    });
  }
  // In chain order (each point's position in its chain).
  return counts ? [...counts].sort((a, b) => a[1].at - b[1].at).map(([point, c]) => ({ point, intents: c.intents })) : undefined;
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Rows in block_key order, grouped by block (the first row's spec names the CIDR and direction). */
function groupBlocks(rows: BlockRow[]): BlockGroup[] {
  const blocks: BlockGroup[] = [];
  for (const row of rows) {
    const entry: BlockEntry = {
      id: row.id, runId: row.run_id, connectorId: row.connector_id, targetId: row.target_id, state: row.state, offenses: row.offenses,
      ...(row.error !== null ? { error: row.error } : {}),
      ...(row.expires_at !== null ? { expiresAt: row.expires_at } : {}),
      ...chainOf(row),
    };
    const last = blocks.at(-1);
    if (last?.key === row.block_key) {
      last.intents.push(entry);
    } else {
      const spec = JSON.parse(row.spec) as Intent['spec'];
      blocks.push({ key: row.block_key, cidr: spec.cidr ?? '', direction: spec.direction ?? 'ingress', intents: [entry] });
    }
  }
  return blocks;
}

/** At most `limit` blocks, and the last one's key as the cursor when more were read. */
function pageOf(blocks: BlockGroup[], limit: number): BlockPage {
  if (blocks.length <= limit) return { blocks };
  const page = blocks.slice(0, limit);
  return { blocks: page, next: page.at(-1)?.key as string };
}

function aggregate(states: string[]): RunTargetState['state'] {
  if (states.length === 0) return 'applied';
  if (states.includes('pending')) return 'pending';
  if (states.every((s) => s === 'applied')) return 'applied';
  if (states.every((s) => s === 'failed')) return 'failed';
  return 'partially_applied';
}
