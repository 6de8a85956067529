import {
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  type Filter,
  ModifyNetworkInterfaceAttributeCommand,
  type NetworkInterface,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { ConnectorError, type QuarantineResult } from '../../../src/connectors/types.ts';
import type { AwsEc2Target } from '../config.ts';
import { type CallRecord, connectorErrorInfo, type Ec2Calls } from './calls.ts';
import { describeGroupRules } from './sg.ts';

/** What quarantine returns and release needs: the groups each interface had before. */
export const previousSchema = z.object({
  quarantineGroupId: z.string(),
  interfaces: z.record(z.string(), z.array(z.string().regex(/^sg-[0-9a-f]+$/)).min(1)),
});
export type QuarantinePrevious = z.infer<typeof previousSchema>;

const TAG_VALUE_MAX = 256;

export class Quarantine {
  private readonly groupTag: string;
  private readonly previousTag: string;

  private readonly calls: Ec2Calls;
  private readonly target: AwsEc2Target;
  private readonly marker: string;
  constructor(
    calls: Ec2Calls,
    target: AwsEc2Target,
    marker: string,
  ) {
    this.calls = calls;
    this.target = target;
    this.marker = marker;
    this.groupTag = `${marker}:quarantine`;
    this.previousTag = `${marker}:previous-groups`;
  }

  /** Space-separated group ids, split over `<tag>`, `<tag>:2`, … when longer than a tag value may be. */
  private previousTags(groups: string[]): { Key: string; Value: string }[] {
    const chunks: string[] = [];
    for (const id of groups) {
      const last = chunks.at(-1);
      if (last !== undefined && last.length + 1 + id.length <= TAG_VALUE_MAX) chunks[chunks.length - 1] = `${last} ${id}`;
      else chunks.push(id);
    }
    return chunks.map((Value, i) => ({ Key: i === 0 ? this.previousTag : `${this.previousTag}:${i + 1}`, Value }));
  }

  private previousFromTags(eni: NetworkInterface): string[] | undefined {
    const tags = (eni.TagSet ?? []).filter((t) => t.Key === this.previousTag || t.Key?.startsWith(`${this.previousTag}:`));
    if (tags.length === 0) return undefined;
    const order = (key = '') => (key === this.previousTag ? 1 : Number(key.slice(this.previousTag.length + 1)));
    return tags.sort((a, b) => order(a.Key) - order(b.Key)).flatMap((t) => (t.Value ?? '').split(' ').filter(Boolean));
  }

  private async interfaces(host: string, log: CallRecord[]): Promise<NetworkInterface[]> {
    const filters: Filter[] = [{ Name: 'attachment.instance-id', Values: [host] }];
    const out = await this.calls.read('DescribeNetworkInterfaces', (c) => c.send(new DescribeNetworkInterfacesCommand({ Filters: filters })), log);
    const enis = out.NetworkInterfaces ?? [];
    if (enis.length === 0) throw new ConnectorError(connectorErrorInfo('not_found', 'InstanceNotFound', `no network interface is attached to ${host} (unknown or terminated instance?)`));
    const elsewhere = enis.find((e) => e.VpcId !== this.target.vpcId);
    if (elsewhere) throw new ConnectorError(connectorErrorInfo('validation', 'WrongVpc', `${host} is in ${elsewhere.VpcId}, but target "${this.target.id}" is ${this.target.vpcId}`));
    return enis;
  }

  /** Finds the VPC's quarantine group by tag, or creates it; then makes sure it allows nothing in or out. */
  private async quarantineGroup(log: CallRecord[]): Promise<string> {
    const filters = [{ Name: 'vpc-id', Values: [this.target.vpcId] }, { Name: `tag:${this.groupTag}`, Values: ['true'] }];
    const found = await this.calls.read('DescribeSecurityGroups', (c) => c.send(new DescribeSecurityGroupsCommand({ Filters: filters })), log);
    let groupId = found.SecurityGroups?.[0]?.GroupId;
    if (!groupId) {
      const input = {
        GroupName: `${this.marker}-quarantine`,
        Description: `${this.marker} quarantine: no inbound, no outbound`,
        VpcId: this.target.vpcId,
        TagSpecifications: [{ ResourceType: 'security-group' as const, Tags: [{ Key: this.groupTag, Value: 'true' }, { Key: 'Name', Value: `${this.marker}-quarantine` }] }],
      };
      const created = await this.calls.run('CreateSecurityGroup', (c) => c.send(new CreateSecurityGroupCommand(input)), log);
      if (!created.ok) throw new ConnectorError(created.error);
      groupId = created.value.GroupId ?? '';
    }
    // New groups come with EC2's allow-all egress; revoking here also finishes a run that crashed before it did.
    const rules = await describeGroupRules(this.calls, groupId, log);
    for (const egress of [false, true]) {
      const ids = rules.filter((r) => (r.IsEgress ?? false) === egress).map((r) => r.SecurityGroupRuleId ?? '');
      if (ids.length === 0) continue;
      const input = { GroupId: groupId, SecurityGroupRuleIds: ids };
      const revoked = egress
        ? await this.calls.run('RevokeSecurityGroupEgress', (c) => c.send(new RevokeSecurityGroupEgressCommand(input)), log)
        : await this.calls.run('RevokeSecurityGroupIngress', (c) => c.send(new RevokeSecurityGroupIngressCommand(input)), log);
      if (!revoked.ok) throw new ConnectorError(revoked.error);
    }
    return groupId;
  }

  private async setGroups(eniId: string, groups: string[], log: CallRecord[]): Promise<void> {
    const input = { NetworkInterfaceId: eniId, Groups: groups };
    const result = await this.calls.run('ModifyNetworkInterfaceAttribute', (c) => c.send(new ModifyNetworkInterfaceAttributeCommand(input)), log);
    if (!result.ok) throw new ConnectorError(result.error);
  }

  async quarantine(host: string): Promise<QuarantineResult> {
    const calls: CallRecord[] = [];
    try {
      const quarantineGroupId = await this.quarantineGroup(calls);
      const previous: QuarantinePrevious = { quarantineGroupId, interfaces: {} };
      for (const eni of await this.interfaces(host, calls)) {
        const eniId = eni.NetworkInterfaceId ?? '';
        const groups = (eni.Groups ?? []).map((g) => g.GroupId ?? '');
        if (groups.length === 1 && groups[0] === quarantineGroupId) {
          // Already quarantined (a repeat call, or a crash after the change): the tag holds what it had.
          const recorded = this.previousFromTags(eni);
          if (recorded) previous.interfaces[eniId] = recorded;
          continue;
        }
        // Record before changing, on the ENI itself, so a crash between the two loses nothing.
        const tags = this.previousTags(groups);
        const tagged = await this.calls.run('CreateTags', (c) => c.send(new CreateTagsCommand({ Resources: [eniId], Tags: tags })), calls);
        if (!tagged.ok) throw new ConnectorError(tagged.error);
        await this.setGroups(eniId, [quarantineGroupId], calls);
        previous.interfaces[eniId] = groups;
      }
      return { ok: true, previous, calls };
    } catch (error) {
      return { ok: false, calls, error: errorInfo(error) };
    }
  }

  async release(host: string, previous: unknown): Promise<QuarantineResult> {
    const calls: CallRecord[] = [];
    const parsed = previousSchema.safeParse(previous);
    const record = parsed.success ? parsed.data : undefined;
    try {
      for (const eni of await this.interfaces(host, calls)) {
        const eniId = eni.NetworkInterfaceId ?? '';
        const current = (eni.Groups ?? []).map((g) => g.GroupId ?? '');
        const tagged = this.previousFromTags(eni);
        const wanted = record?.interfaces[eniId] ?? tagged;
        if (!wanted) {
          if (record && current.length === 1 && current[0] === record.quarantineGroupId) {
            throw new ConnectorError(connectorErrorInfo('not_found', 'PreviousGroupsUnknown', `no record of the groups ${eniId} had before quarantine`));
          }
          continue; // Never quarantined by portcullis (or already released): nothing to restore.
        }
        if (current.join(' ') !== wanted.join(' ')) await this.setGroups(eniId, wanted, calls);
        if (tagged) {
          const keys = (eni.TagSet ?? []).filter((t) => t.Key === this.previousTag || t.Key?.startsWith(`${this.previousTag}:`)).map((t) => ({ Key: t.Key }));
          const untagged = await this.calls.run('DeleteTags', (c) => c.send(new DeleteTagsCommand({ Resources: [eniId], Tags: keys })), calls);
          if (!untagged.ok) throw new ConnectorError(untagged.error);
        }
      }
      return { ok: true, calls };
    } catch (error) {
      return { ok: false, calls, error: errorInfo(error) };
    }
  }
}

function errorInfo(error: unknown) {
  return error instanceof ConnectorError ? error.info : connectorErrorInfo('unknown', 'Unknown', String(error));
}
