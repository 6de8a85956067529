import { type AzureSeedState, DEFAULT_SECURITY_RULES } from './seed.ts';

/** Wire-level `properties` of a security rule (ARM JSON), without provisioningState. */
export type RuleProperties = Record<string, unknown> & {
  priority: number;
  direction: 'Inbound' | 'Outbound';
  access: 'Allow' | 'Deny';
  protocol: string;
};

export interface RuleRecord {
  name: string;
  properties: RuleProperties;
  etag: string;
  provisioningState: 'Succeeded' | 'Updating' | 'Deleting';
}

export interface NsgRecord {
  resourceGroup: string;
  name: string;
  etag: string;
  resourceGuid: string;
  rules: Map<string, RuleRecord>;
  /** The long-running operation currently writing this NSG, if any. */
  busyWith?: string;
}

export interface NicRecord {
  resourceGroup: string;
  name: string;
  vmName?: string;
  privateIps: string[];
  nsgName?: string;
  etag: string;
}

export const newEtag = (): string => `W/"${crypto.randomUUID()}"`;
const key = (...parts: string[]): string => parts.join('/').toLowerCase();

/** The simulator's resources. ARM names are case-insensitive, so lookups lower-case their keys. */
export class AzureState {
  readonly subscriptionId: string;
  readonly location: string;
  private readonly resourceGroups = new Set<string>();
  private readonly nsgs = new Map<string, NsgRecord>();
  private readonly nics = new Map<string, NicRecord>();

  constructor(seed: AzureSeedState) {
    this.subscriptionId = seed.subscriptionId;
    this.location = seed.location;
    for (const rg of seed.resourceGroups) this.resourceGroups.add(rg.toLowerCase());
    for (const nsg of seed.nsgs) {
      this.nsgs.set(key(nsg.resourceGroup, nsg.name), {
        ...nsg,
        etag: newEtag(),
        resourceGuid: crypto.randomUUID(),
        rules: new Map(),
      });
    }
    for (const nic of seed.nics) this.nics.set(key(nic.resourceGroup, nic.name), { ...nic, etag: newEtag() });
  }

  hasResourceGroup(rg: string): boolean {
    return this.resourceGroups.has(rg.toLowerCase());
  }
  nsg(rg: string, name: string): NsgRecord | undefined {
    return this.nsgs.get(key(rg, name));
  }
  allNsgs(): NsgRecord[] {
    return [...this.nsgs.values()];
  }
  /** The NSG called `name` in any resource group (controls address NSGs by name). */
  nsgByName(name: string): NsgRecord | undefined {
    return this.allNsgs().find((n) => n.name.toLowerCase() === name.toLowerCase());
  }
  nic(rg: string, name: string): NicRecord | undefined {
    return this.nics.get(key(rg, name));
  }
  nicsIn(rg: string): NicRecord[] {
    return [...this.nics.values()].filter((n) => n.resourceGroup.toLowerCase() === rg.toLowerCase());
  }
  /** NICs of a host given as a NIC name or a VM name. */
  hostNics(host: string): NicRecord[] {
    const lower = host.toLowerCase();
    const byName = [...this.nics.values()].filter((n) => n.name.toLowerCase() === lower);
    return byName.length > 0 ? byName : [...this.nics.values()].filter((n) => n.vmName?.toLowerCase() === lower);
  }

  rule(nsg: NsgRecord, name: string): RuleRecord | undefined {
    return nsg.rules.get(name.toLowerCase());
  }
  setRule(nsg: NsgRecord, rule: RuleRecord): void {
    nsg.rules.set(rule.name.toLowerCase(), rule);
    nsg.etag = newEtag();
  }
  removeRule(nsg: NsgRecord, name: string): void {
    nsg.rules.delete(name.toLowerCase());
    nsg.etag = newEtag();
  }

  nsgId(nsg: Pick<NsgRecord, 'resourceGroup' | 'name'>): string {
    return `/subscriptions/${this.subscriptionId}/resourceGroups/${nsg.resourceGroup}/providers/Microsoft.Network/networkSecurityGroups/${nsg.name}`;
  }
  nicId(nic: Pick<NicRecord, 'resourceGroup' | 'name'>): string {
    return `/subscriptions/${this.subscriptionId}/resourceGroups/${nic.resourceGroup}/providers/Microsoft.Network/networkInterfaces/${nic.name}`;
  }
}

export { DEFAULT_SECURITY_RULES };
