import { hasHostBits } from '../../../src/net/index.ts';
import { readAddressPrefix } from '../cidr.ts';
import type { RuleProperties } from './state.ts';

/** A refusal as NRP words it: HTTP 400 with an ARM error code. */
export interface RuleRefusal {
  code: string;
  message: string;
}

const NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
const PROTOCOLS = ['Tcp', 'Udp', 'Icmp', 'Esp', 'Ah', '*'];
/**
 * Service tags and default tags: a word (VirtualNetwork, Storage, AzureCloud...), or a regional service
 * tag `Tag.Region` (Storage.WestEurope, Sql.EastUS; see README), never '/' or ':'.
 */
const TAG = /^[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)?$/;

export function checkRuleName(name: string): RuleRefusal | undefined {
  if (name.length <= 80 && NAME.test(name)) return undefined;
  return {
    code: 'InvalidResourceName',
    message: `Resource name ${name} is invalid. The name can be up to 80 characters long. It must begin with a word character, and it must end with a word character or with '_'. The name may contain word characters or '.', '-', '_'.`,
  };
}

function pick<T extends string>(value: unknown, allowed: T[]): T | undefined {
  return typeof value === 'string' ? allowed.find((a) => a.toLowerCase() === value.toLowerCase()) : undefined;
}

/** Parses a PUT body's `properties`; an unparseable body is InvalidRequestFormat, as NRP answers it. */
export function parseRuleProperties(body: unknown): { properties: RuleProperties } | { refusal: RuleRefusal } {
  const properties = body && typeof body === 'object' ? (body as { properties?: unknown }).properties : undefined;
  const unparseable = { refusal: { code: 'InvalidRequestFormat', message: 'Cannot parse the request.' } };
  if (!properties || typeof properties !== 'object') return unparseable;
  const p = properties as Record<string, unknown>;
  const protocol = pick(p.protocol, PROTOCOLS);
  const access = pick(p.access, ['Allow', 'Deny']);
  const direction = pick(p.direction, ['Inbound', 'Outbound']);
  if (!protocol || !access || !direction || typeof p.priority !== 'number') return unparseable;
  const { provisioningState: _readOnly, ...rest } = p;
  return { properties: { ...rest, protocol, access, direction, priority: p.priority } };
}

/** The checks NRP makes on one rule by itself (not against the other rules of the NSG). */
export function checkRule(ruleId: string, p: RuleProperties): RuleRefusal | undefined {
  if (!Number.isInteger(p.priority) || p.priority < 100 || p.priority > 4096) {
    // Code UNVERIFIED (no captured payload found); the range is the documented one.
    return { code: 'SecurityRuleInvalidPriority', message: `Security rule has invalid Priority. Value provided: ${p.priority} Allowed values are from 100 to 4096.` };
  }
  if (typeof p.description === 'string' && p.description.length > 140) {
    return { code: 'InvalidRequestFormat', message: 'Cannot parse the request.' };
  }
  for (const side of ['source', 'destination'] as const) {
    const refusal = checkSide(ruleId, side, p);
    if (refusal) return refusal;
  }
  for (const field of ['sourcePortRange', 'destinationPortRange', 'sourcePortRanges', 'destinationPortRanges']) {
    const values = ([] as unknown[]).concat(p[field] ?? []);
    for (const value of values) {
      if (!validPort(value)) {
        return {
          code: 'SecurityRuleInvalidPortRange',
          message: `Security rule has invalid Port range. Value provided: ${String(value)}. Value should be an integer OR integer range with '-' delimiter. Valid range 0-65535.`,
        };
      }
    }
  }
  return undefined;
}

function validPort(value: unknown): boolean {
  if (value === '*') return true;
  if (typeof value !== 'string') return false;
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(value.trim());
  if (!match) return false;
  const from = Number(match[1]);
  const to = match[2] === undefined ? from : Number(match[2]);
  return from <= to && to <= 65535;
}

function checkSide(ruleId: string, side: 'source' | 'destination', p: RuleProperties): RuleRefusal | undefined {
  const label = side === 'source' ? 'Source' : 'Destination';
  const single = p[`${side}AddressPrefix`];
  const many = p[`${side}AddressPrefixes`];
  const list = Array.isArray(many) ? many : [];
  if (typeof single === 'string' && list.length > 0) {
    // One or the other (azure-rest-api-specs#1591); NRP refuses a rule that sets both. Code UNVERIFIED.
    return {
      code: 'InvalidRequestFormat',
      message: `Security rule ${ruleId} sets both ${side}AddressPrefix and ${side}AddressPrefixes; specify one of them.`,
    };
  }
  const families = new Set<string>();
  for (const value of list) {
    if (typeof value === 'string' && (value === '*' || TAG.test(value))) {
      return {
        code: 'SecurityRuleParameterContainsUnsupportedValue',
        message: `Security rule parameter ${label}AddressPrefixes for rule with Id ${ruleId} cannot specify existing VIRTUALNETWORK, INTERNET, AZURELOADBALANCER, '*' or system tags. Unsupported value used: ${value}.`,
      };
    }
  }
  for (const value of [...(typeof single === 'string' ? [single] : []), ...list]) {
    if (typeof value !== 'string') return { code: 'InvalidRequestFormat', message: 'Cannot parse the request.' };
    if (value === '*' || TAG.test(value)) continue;
    const cidr = readAddressPrefix(value);
    if (!cidr || hasHostBits(value)) {
      return { code: 'SecurityRuleInvalidAddressPrefix', message: `Security rule ${ruleId} has invalid Address prefix. Value provided: ${value}` };
    }
    families.add(cidr.family);
  }
  if (families.size > 1) {
    return {
      code: 'ResourceCannotContainAddressPrefixesFromDifferentAddressFamilies',
      message: `Resource ${ruleId} contains IP addresses or prefixes that belong to different address families. All IP addresses or prefixes in the resource should belong to the same address family.`,
    };
  }
  return undefined;
}

/** Explicit prefixes on each side, as the 4,000-per-NSG limit counts them. */
export function prefixCount(p: RuleProperties): { source: number; destination: number } {
  const count = (single: unknown, many: unknown) =>
    (Array.isArray(many) && many.length > 0 ? many : typeof single === 'string' ? [single] : []).filter(
      (v) => typeof v === 'string' && readAddressPrefix(v) !== undefined,
    ).length;
  return {
    source: count(p.sourceAddressPrefix, p.sourceAddressPrefixes),
    destination: count(p.destinationAddressPrefix, p.destinationAddressPrefixes),
  };
}
