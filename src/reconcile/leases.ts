import type { Clock, Logger } from '../platform.ts';
import { LeaseLost } from '../store/lease-lost.ts';
import type { Fence, LeaseStore } from '../store/types.ts';

export { LeaseLost };

/** The lease whose holder runs the cluster-wide timers: expiry sweeps, checkpoints, retention, pruning. */
export const CLUSTER_LEASE = 'cluster';
/** Each replica's own lease, renewed while it lives: the other replicas count it as alive. */
export const replicaLease = (owner: string): string => `replica:${owner}`;
export const targetLease = (connectorId: string, targetId: string): string => `target:${connectorId}/${targetId}`;


export interface ReplicaLeaseOptions {
  store: LeaseStore;
  /** Wall time shared by the replicas (NTP); tests pass a fake clock. */
  clock: Clock;
  log: Logger;
  /** This replica's id in the lease rows (host, pid and a random part: unique per process). */
  owner: string;
  /** How long a lease lasts without renewal: a killed replica's targets move after at most this. */
  ttlMs: number;
}

/**
 * This replica's side of the leases: takes and renews them, and answers, before each cloud write
 * and in the commit, whether a pass's token is still the current one. A lease is kept until the
 * replica stops (renewed every third of the TTL by `renewAll`), so a target does not hop between
 * replicas; it moves only when its holder dies, stalls or stops.
 */
export class ReplicaLeases {
  readonly owner: string;
  readonly ttlMs: number;
  private readonly o: ReplicaLeaseOptions;
  private readonly held = new Map<string, Fence>();
  /** The last time the database answered a lease query (readiness reports it). */
  private lastContact: number | undefined;

  constructor(options: ReplicaLeaseOptions) {
    this.o = options;
    this.owner = options.owner;
    this.ttlMs = options.ttlMs;
  }

  /** Takes or renews a lease; undefined when another replica holds it (or the database did not answer). */
  async claim(name: string): Promise<Fence | undefined> {
    const now = this.o.clock.now();
    let fence: Fence | undefined;
    try {
      fence = await this.o.store.acquire(name, this.owner, this.ttlMs, now);
      this.lastContact = now;
    } catch (error) {
      this.o.log.warn({ error: String(error), lease: name }, 'could not take or renew a lease');
      this.held.delete(name);
      return undefined;
    }
    const before = this.held.get(name);
    if (fence) {
      if (!before || before.token !== fence.token) this.o.log.info({ lease: name, fence: fence.token, owner: this.owner }, 'lease taken');
      this.held.set(name, fence);
    } else if (before) {
      this.o.log.warn({ lease: name, fence: before.token }, 'lease lost to another replica');
      this.held.delete(name);
    }
    return fence;
  }

  /** Throws LeaseLost unless the lease is still ours with this token (asked of the database, at the clock's now). */
  async assertHeld(fence: Fence): Promise<void> {
    const now = this.o.clock.now();
    const held = await this.o.store.holds(fence, now);
    this.lastContact = now;
    if (!held) {
      if (this.held.get(fence.lease)?.token === fence.token) this.held.delete(fence.lease);
      throw new LeaseLost(fence.lease);
    }
  }

  /** What a commit carries to be refused if the lease was lost meanwhile. */
  fenceFor(fence: Fence): { held: Fence; at: number } {
    return { held: fence, at: this.o.clock.now() };
  }

  /** Whether this replica holds a lease (by its last take or renewal, and not lapsed by the clock). */
  holds(name: string): boolean {
    const fence = this.held.get(name);
    return fence !== undefined && fence.expiresAt > this.o.clock.now();
  }

  /** Renews every lease held (the heartbeat); returns those still held. */
  async renewAll(): Promise<string[]> {
    await Promise.all([...this.held.keys()].map((name) => this.claim(name)));
    return this.heldNames();
  }

  /** The leases another replica holds now (the hand-over poll leaves their targets alone). */
  async heldByOthers(): Promise<Set<string>> {
    const rows = await this.o.store.holders(this.o.clock.now());
    return new Set(rows.filter((r) => r.owner !== this.owner).map((r) => r.lease));
  }

  heldNames(): string[] {
    return [...this.held.keys()].filter((name) => this.holds(name)).sort();
  }

  /** For /readyz: the leases held and when the database last answered a lease query. */
  status(): { owner: string; leases: string[]; lastContact: number | undefined } {
    return { owner: this.owner, leases: this.heldNames(), lastContact: this.lastContact };
  }

  /** Lets every lease lapse now (a clean stop): the other replicas take them on their next poll. */
  async releaseAll(): Promise<void> {
    const now = this.o.clock.now();
    const held = [...this.held.values()];
    this.held.clear();
    await Promise.all(held.map((fence) => this.o.store.release(fence, now).catch(() => undefined)));
  }
}
