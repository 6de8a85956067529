import type { NormalizedRule } from '../../../src/connectors/types.ts';
import { familyOfText } from '../../../src/net/index.ts';
import { faults } from './faults.ts';
import { type NfwState, type SimRuleGroup, statelessRules, type WireStatelessRule } from './state.ts';

/** A rule group by name or ARN (the contract suite names resources by what the harness gives it). */
export function groupNamed(state: NfwState, resource: string): SimRuleGroup {
  const group = state.ruleGroups.get(resource) ?? [...state.ruleGroups.values()].find((g) => g.name === resource);
  if (!group) throw new Error(`no rule group "${resource}" in the Network Firewall simulator`);
  return group;
}

const PROTOCOL_NUMBER = { tcp: 6, udp: 17 } as const;

/** A rule a person made in the console, at the priority given (outside the service's band for a foreign rule). */
export function addForeignRule(state: NfwState, resource: string, rule: NormalizedRule, now: number): void {
  const group = groupNamed(state, resource);
  const rules = statelessRules(group);
  if (rules.some((r) => r.Priority === rule.priority)) throw faults.invalid(`priority ${rule.priority} is taken in ${group.name}`);
  const addresses = rule.cidrs.map((c) => ({ AddressDefinition: c }));
  const icmp = familyOfText(rule.cidrs[0] ?? '') === 'ipv6' ? 58 : 1;
  const protocols = rule.protocol === 'all' ? [] : [rule.protocol === 'icmp' ? icmp : PROTOCOL_NUMBER[rule.protocol]];
  const wire: WireStatelessRule = {
    Priority: rule.priority,
    RuleDefinition: {
      MatchAttributes: {
        ...(rule.direction === 'ingress' ? { Sources: addresses } : { Destinations: addresses }),
        ...(protocols.length ? { Protocols: protocols } : {}),
        ...(rule.ports.length ? { DestinationPorts: rule.ports.map((p) => ({ FromPort: p.from, ToPort: p.to })) } : {}),
      },
      Actions: [rule.action === 'deny' ? 'aws:drop' : 'aws:pass'],
    },
  };
  rules.push(wire);
  touch(group, now);
}

/** Deletes a rule out of band (drift), by the connector's cloud id ("priority:110"). */
export function deleteOutOfBand(state: NfwState, resource: string, cloudId: string, now: number): void {
  const group = groupNamed(state, resource);
  const priority = Number(/^priority:(\d+)$/.exec(cloudId)?.[1]);
  const source = group.body.RulesSource.StatelessRulesAndCustomActions;
  if (!source) return;
  source.StatelessRules = source.StatelessRules.filter((r) => r.Priority !== priority);
  touch(group, now);
}

/** Another writer's update: the group's version (and so its update token) moves on. */
export function touch(group: SimRuleGroup, now: number): void {
  group.version++;
  group.lastModified = now;
}
