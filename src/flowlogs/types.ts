/**
 * Flow-log records in one cloud-neutral shape, and what an ingestion says about its inputs.
 * Parsers (aws.ts, azure.ts, gcp.ts) turn each cloud's documented format into FlowRecords; the
 * attribution (attribute.ts) decides which rules each record counts for; usage.ts keeps the counts.
 */

export type FlowFormat = 'aws' | 'azure' | 'gcp';

/** One flow (or one rule-counter sample) as the logs describe it. */
export interface FlowRecord {
  /** Epoch milliseconds: start and end of the aggregation interval (equal when the log has one time). */
  start: number;
  end: number;
  /** Addresses as written in the log; empty for samples that have none (Azure rule counter). */
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  /** IANA protocol number (6 tcp, 17 udp, 1 icmp, 58 icmpv6); -1 when unknown. */
  protocol: number;
  /** Relative to the logged interface / rule: ingress means towards the protected resource. */
  direction?: 'ingress' | 'egress';
  /** What the cloud did with the flow. */
  action?: 'allow' | 'deny';
  packets: number;
  bytes: number;
  /** Connections (1 for a flow; Azure rule counter: matchedConnections). */
  hits: number;
  /** The rule the cloud names (Azure and GCP logs do; AWS logs never do). */
  rule?: string;
  /** Identical for two deliveries of the same record (flow logs are at-least-once). */
  dedupeKey: string;
  /** hash64 of dedupeKey, when the parser computed it from the bytes (AWS): saves building the key. */
  dedupeHash?: Int32Array;
  /** src / dst as ipv4ToInt gives them (-1: not IPv4), when the parser read them from bytes; src/dst may then be "". */
  srcIp?: number;
  dstIp?: number;
}

/** Where a log says it comes from, compared with the target's scope before anything is counted. */
export interface RecordOrigin {
  /** e.g. "account-id", "vpc-id", "NSG resource id", "network". */
  field: string;
  value: string;
}

/**
 * What identifies the target's own logs. A record whose origin contradicts a field given here makes
 * the whole file refused (naming both values). Fields left out are not checked.
 */
export interface TargetScope {
  /** AWS account id (12 digits). */
  accountId?: string;
  /** AWS VPC id (checked when the log has a vpc-id field). */
  vpcId?: string;
  /** AWS ENIs attached to the target (checked when given). */
  interfaceIds?: string[];
  /** Address ranges inside the target (VPC CIDRs), to tell ingress from egress when a log has no flow-direction. */
  localCidrs?: string[];
  /** Azure subscription id (case-insensitive). */
  subscriptionId?: string;
  /** Azure NSG name (NSG flow logs and the rule counter carry its resource id). */
  nsgName?: string;
  /** Azure NSG resource GUID (VNet flow logs name the evaluating NSG by it in aclID). */
  nsgResourceGuid?: string;
  /** GCP project id. */
  project?: string;
  /** GCP VPC network name. */
  network?: string;
}

/** A malformed line or record: counted and skipped, the first few named. */
export interface MalformedSample {
  file: string;
  /** "line 12" (line formats) or "record 3" (JSON formats). */
  at: string;
  reason: string;
}

export class FlowLogRefused extends Error {
  readonly file: string;
  readonly at: string;
  readonly field: string;
  readonly found: string;
  readonly expected: string;
  constructor(file: string, at: string, field: string, found: string, expected: string) {
    super(`${file} (${at}): this log is for ${field} ${found}, not the target's ${expected}; refused (nothing from this file was counted)`);
    this.name = 'FlowLogRefused';
    this.file = file;
    this.at = at;
    this.field = field;
    this.found = found;
    this.expected = expected;
  }
}
