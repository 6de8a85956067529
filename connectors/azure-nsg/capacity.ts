import type { SecurityRule } from '@azure/arm-network';
import { countPrefixes } from './mapping.ts';
import { AZURE_PREFIXES_PER_NSG, AZURE_RULES_PER_NSG } from './validate.ts';

/**
 * The NSG's rules as they will be after each change, so a change that would pass Azure's limits
 * (1,000 rules; 4,000 prefixes counted separately for source and destination) is refused before
 * any call, with a message naming the NSG.
 */
export class CapacityLedger {
  private readonly rules = new Map<string, SecurityRule>();

  private readonly nsgName: string;
  private readonly limits;
  constructor(
    nsgName: string,
    existing: SecurityRule[],
    limits = { rules: AZURE_RULES_PER_NSG, prefixes: AZURE_PREFIXES_PER_NSG },
  ) {
    this.nsgName = nsgName;
    this.limits = limits;
    for (const rule of existing) if (rule.name) this.rules.set(rule.name.toLowerCase(), rule);
  }

  /** Why putting `rule` under `name` would pass a limit, or undefined when it fits. */
  refusal(name: string, rule: SecurityRule): string | undefined {
    const key = name.toLowerCase();
    const replaced = this.rules.get(key);
    const ruleCount = this.rules.size + (replaced ? 0 : 1);
    if (ruleCount > this.limits.rules) {
      return `NSG ${this.nsgName} would hold ${ruleCount} security rules; Azure allows ${this.limits.rules} per NSG`;
    }
    const totals = this.totals();
    const before = replaced ? countPrefixes(replaced) : { source: 0, destination: 0 };
    const added = countPrefixes(rule);
    for (const side of ['source', 'destination'] as const) {
      const total = totals[side] - before[side] + added[side];
      if (total > this.limits.prefixes) {
        return `NSG ${this.nsgName} would hold ${total} ${side} address prefixes; Azure allows ${this.limits.prefixes} per NSG`;
      }
    }
    return undefined;
  }

  put(name: string, rule: SecurityRule): void {
    this.rules.set(name.toLowerCase(), { ...rule, name });
  }

  remove(name: string): void {
    this.rules.delete(name.toLowerCase());
  }

  has(name: string): boolean {
    return this.rules.has(name.toLowerCase());
  }

  get(name: string): SecurityRule | undefined {
    return this.rules.get(name.toLowerCase());
  }

  all(): SecurityRule[] {
    return [...this.rules.values()];
  }

  private totals(): { source: number; destination: number } {
    const totals = { source: 0, destination: 0 };
    for (const rule of this.rules.values()) {
      const counted = countPrefixes(rule);
      totals.source += counted.source;
      totals.destination += counted.destination;
    }
    return totals;
  }
}
