import { tryParseCidr } from '../../../src/net/cidr.ts';
import { faults } from './faults.ts';
import type { WireRuleGroupBody, WireStatelessRule } from './state.ts';

const STANDARD_ACTIONS = new Set(['aws:pass', 'aws:drop', 'aws:forward_to_sfe']);

function isInt(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function checkRule(rule: WireStatelessRule, customActions: Set<string>): void {
  if (!isInt(rule?.Priority, 1, 65_535)) throw faults.invalid(`StatelessRule.Priority must be an integer from 1 to 65535, got ${JSON.stringify(rule?.Priority)}`);
  const definition = rule.RuleDefinition;
  const actions = definition?.Actions;
  if (!Array.isArray(actions) || actions.length === 0) throw faults.invalid(`stateless rule ${rule.Priority}: RuleDefinition.Actions is required`);
  const standard = actions.filter((a) => STANDARD_ACTIONS.has(a));
  if (standard.length !== 1) throw faults.invalid(`stateless rule ${rule.Priority}: exactly one of aws:pass, aws:drop, aws:forward_to_sfe is required in Actions`);
  for (const a of actions) {
    if (!STANDARD_ACTIONS.has(a) && !customActions.has(a)) throw faults.invalid(`stateless rule ${rule.Priority}: action ${a} is neither standard nor a custom action of the rule group`);
  }
  const m = definition.MatchAttributes;
  if (!m || typeof m !== 'object') throw faults.invalid(`stateless rule ${rule.Priority}: RuleDefinition.MatchAttributes is required`);
  for (const list of [m.Sources, m.Destinations]) {
    for (const address of list ?? []) {
      const text = address?.AddressDefinition;
      if (typeof text !== 'string' || text.length > 255 || !tryParseCidr(text).ok) {
        throw faults.invalid(`stateless rule ${rule.Priority}: AddressDefinition ${JSON.stringify(text)} is not an IPv4 or IPv6 CIDR`);
      }
    }
  }
  for (const range of [...(m.SourcePorts ?? []), ...(m.DestinationPorts ?? [])]) {
    if (!isInt(range?.FromPort, 0, 65_535) || !isInt(range?.ToPort, 0, 65_535) || range.FromPort > range.ToPort) {
      throw faults.invalid(`stateless rule ${rule.Priority}: a port range needs 0 <= FromPort <= ToPort <= 65535, got ${JSON.stringify(range)}`);
    }
  }
  for (const protocol of m.Protocols ?? []) {
    if (!isInt(protocol, 0, 255)) throw faults.invalid(`stateless rule ${rule.Priority}: protocol ${JSON.stringify(protocol)} is not 0-255`);
  }
}

/** Checks a stateless RuleGroup body the way UpdateRuleGroup does before it replaces the group's rules. */
export function checkStatelessBody(body: WireRuleGroupBody | undefined): WireStatelessRule[] {
  const source = body?.RulesSource;
  if (!source) throw faults.invalid('RuleGroup.RulesSource is required');
  if (source.RulesString !== undefined || source.StatefulRules !== undefined || source.RulesSourceList !== undefined) {
    throw faults.invalid('a stateless rule group takes StatelessRulesAndCustomActions only');
  }
  const rules = source.StatelessRulesAndCustomActions?.StatelessRules;
  if (!Array.isArray(rules)) throw faults.invalid('RulesSource.StatelessRulesAndCustomActions.StatelessRules is required');
  const custom = new Set(
    (source.StatelessRulesAndCustomActions?.CustomActions ?? []).map((a) => (a as { ActionName?: string })?.ActionName ?? ''),
  );
  const priorities = new Set<number>();
  for (const rule of rules) {
    checkRule(rule, custom);
    if (priorities.has(rule.Priority)) throw faults.invalid(`stateless rule priority ${rule.Priority} is used twice: priorities must be unique within a rule group`);
    priorities.add(rule.Priority);
  }
  return rules;
}
