/** The simulator's state: resources per project, operations, requestId memory, counters. */

import { createHash } from 'node:crypto';
import type { compute_v1 } from '@googleapis/compute';
import { LINK_BASE } from './envelope.ts';
import type { ParsedGcpSeed } from './seed.ts';

export type Firewall = compute_v1.Schema$Firewall;
export type Operation = compute_v1.Schema$Operation;
export type Instance = compute_v1.Schema$Instance;

export interface OperationRecord {
  operation: Operation;
  /** Polls that still report "in progress". */
  pollsLeft: number;
  /** The error the operation ends with (DONE + error). */
  failure?: { code: string; message: string; httpStatus: number };
}

export interface ProjectState {
  id: string;
  networks: Map<string, { id: string; creationTimestamp: string }>;
  firewalls: Map<string, Firewall>;
  zones: Map<string, Map<string, Instance>>;
  operations: Map<string, OperationRecord>;
  /** `${scope}/${requestId}` → operation name: a repeated requestId returns the first operation. */
  requestIds: Map<string, string>;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export class SimState {
  readonly projects = new Map<string, ProjectState>();
  /** Bumped on every tags change so the fingerprint changes even when the items do not. */
  readonly tagVersions = new Map<string, number>();
  private nextId = 1n;
  readonly clock: Clock;
  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** Numeric resource ids, as GCP's (unique, deterministic per simulator). */
  newId(): string {
    this.nextId += 1n;
    return (5_000_000_000_000_000_000n + this.nextId * 7_919n).toString();
  }

  timestamp(): string {
    // GCP writes RFC 3339 with milliseconds and a zone offset.
    return new Date(this.clock.now()).toISOString().replace('Z', '-00:00');
  }

  project(id: string): ProjectState | undefined {
    return this.projects.get(id);
  }

  load(seed: ParsedGcpSeed): void {
    for (const p of seed.projects) {
      const project: ProjectState = {
        id: p.id,
        networks: new Map(),
        firewalls: new Map(),
        zones: new Map(),
        operations: new Map(),
        requestIds: new Map(),
      };
      this.projects.set(p.id, project);
      for (const name of p.networks) project.networks.set(name, { id: this.newId(), creationTimestamp: this.timestamp() });
      for (const f of p.firewalls) {
        const { network, ...rest } = f;
        project.firewalls.set(f.name, this.firewallResource(p.id, { ...rest, network: networkLink(p.id, network) }));
      }
      for (const z of p.zones) {
        const instances = new Map<string, Instance>();
        project.zones.set(z.name, instances);
        z.instances.forEach((i, n) => {
          instances.set(i.name, this.instanceResource(p.id, z.name, i.name, i.tags, i.networks, n));
        });
      }
    }
  }

  /** A stored firewall with the output-only fields GCP adds. */
  firewallResource(project: string, body: Firewall, existing?: Firewall): Firewall {
    const name = body.name ?? '';
    const resource: Firewall = {
      kind: 'compute#firewall',
      id: existing?.id ?? this.newId(),
      creationTimestamp: existing?.creationTimestamp ?? this.timestamp(),
      name,
      description: body.description ?? '',
      network: body.network ?? networkLink(project, 'default'),
      priority: body.priority ?? 1000,
      direction: body.direction ?? 'INGRESS',
      logConfig: { enable: body.logConfig?.enable ?? false },
      disabled: body.disabled ?? false,
      selfLink: `${LINK_BASE}/projects/${project}/global/firewalls/${name}`,
    };
    const lists = ['allowed', 'denied', 'sourceRanges', 'destinationRanges', 'sourceTags', 'targetTags', 'sourceServiceAccounts', 'targetServiceAccounts'] as const;
    for (const key of lists) {
      const value = body[key];
      if (value && value.length > 0) Object.assign(resource, { [key]: structuredClone(value) });
    }
    return resource;
  }

  private instanceResource(project: string, zone: string, name: string, tags: string[], networks: string[], n: number): Instance {
    return {
      kind: 'compute#instance',
      id: this.newId(),
      creationTimestamp: this.timestamp(),
      name,
      machineType: `${LINK_BASE}/projects/${project}/zones/${zone}/machineTypes/e2-medium`,
      status: 'RUNNING',
      zone: `${LINK_BASE}/projects/${project}/zones/${zone}`,
      tags: tagsWithFingerprint(tags, 0),
      networkInterfaces: networks.map((network, i) => ({
        kind: 'compute#networkInterface',
        name: `nic${i}`,
        network: networkLink(project, network),
        networkIP: `10.128.0.${10 + n * 4 + i}`,
        fingerprint: fingerprintOf([network, String(i)], 0),
      })),
      selfLink: `${LINK_BASE}/projects/${project}/zones/${zone}/instances/${name}`,
    };
  }
}

export function networkLink(project: string, network: string): string {
  return `${LINK_BASE}/projects/${project}/global/networks/${network}`;
}

/** Tags fingerprint: 8 bytes of a hash of the items and a version, base64 like GCP's ("42WmSpB8rSM="). */
export function fingerprintOf(items: string[], version: number): string {
  return createHash('sha256').update(`${version}\n${items.join('\n')}`).digest().subarray(0, 8).toString('base64');
}

export function tagsWithFingerprint(items: string[], version: number): compute_v1.Schema$Tags {
  // GCP omits `items` when an instance has no tags.
  return items.length > 0 ? { items: [...items], fingerprint: fingerprintOf(items, version) } : { fingerprint: fingerprintOf(items, version) };
}
