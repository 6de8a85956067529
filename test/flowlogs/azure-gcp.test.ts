/** Azure (VNet flow logs, NSG flow logs v2, rule counter) and GCP firewall logs: the logs name the rule. */
import { describe, expect, it } from 'vitest';
import { FlowLogRefused, ingestFlowLogs } from '../../src/flowlogs/index.ts';
import { rule, tempFiles } from './support.ts';

const file = tempFiles();
const SUB = 'aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e';
const NSG_ID = `/SUBSCRIPTIONS/${SUB}/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/WEB-NSG`;
const nsgRules = [
  rule({ placement: 'nsg', cloudId: 'allow-https', priority: 200 }),
  rule({ placement: 'nsg', cloudId: 'deny-scan', priority: 100, action: 'deny', protocol: 'all', ports: [], cidrs: ['203.0.113.0/24'] }),
];

// Shape of the VNet flow log example in Azure's documentation (flowLogVersion 4, flowRecords.flows[].flowGroups[]).
const vnet = (acl: string, rules: Record<string, string[]>) => ({
  records: [
    {
      time: '2022-09-14T09:00:52.5625085Z',
      flowLogVersion: 4,
      flowLogGUID: '66aa66aa-bb77-cc88-dd99-00ee00ee00ee',
      macAddress: '112233445566',
      category: 'FlowLogFlowEvent',
      flowLogResourceID: `/SUBSCRIPTIONS/${SUB}/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NW/FLOWLOGS/VNETFLOWLOG`,
      targetResourceID: `/subscriptions/${SUB}/resourceGroups/myResourceGroup/providers/Microsoft.Network/virtualNetworks/myVNet`,
      operationName: 'FlowLogFlowEvent',
      flowRecords: { flows: [{ aclID: acl, flowGroups: Object.entries(rules).map(([r, flowTuples]) => ({ rule: r, flowTuples })) }] },
    },
  ],
});

describe('Azure VNet flow logs', () => {
  it('counts a hit when a flow begins or is denied, bytes from every tuple; maps UserRule_ names; default rules apart', async () => {
    const doc = vnet('00aa00aa-bb11-cc22-dd33-44ee44ee44ee', {
      'UserRule_allow-https': ['1663146003599,192.0.2.180,10.0.0.6,23956,443,6,I,B,NX,0,0,0,0', '1663146003606,192.0.2.180,10.0.0.6,23956,443,6,I,E,NX,3,767,2,1580'],
      'UserRule_deny-scan': ['1663146003640,203.0.113.17,10.0.0.6,22730,22,6,I,D,NX,0,0,0,0'],
      DefaultRule_AllowInternetOutBound: ['1663146003637,10.0.0.6,203.0.113.17,22730,443,6,O,B,NX,0,0,0,0'],
    });
    const { usage } = await ingestFlowLogs([file('vnet.json', JSON.stringify(doc))], nsgRules);
    expect(usage.rules.get(0)).toMatchObject({ hits: 1, records: 2, bytes: 767 + 1580, packets: 5, lastSeen: 1663146003606 });
    expect(usage.rules.get(1)).toMatchObject({ hits: 1 });
    expect(usage.unlisted.get('DefaultRule_AllowInternetOutBound')?.hits).toBe(1);
    expect(usage.stats.unattributed.default_rule).toBe(1);
  });

  it('refuses a log evaluated by another NSG (aclID) or from another subscription, naming both', async () => {
    const path = file('vnet-other.json', JSON.stringify(vnet('11111111-0000-0000-0000-000000000000', { 'UserRule_allow-https': [] })));
    await expect(ingestFlowLogs([path], nsgRules, { scope: { nsgResourceGuid: '00aa00aa-bb11-cc22-dd33-44ee44ee44ee' } })).rejects.toThrow(
      /aclID \(NSG resource GUID\) 11111111-0000-0000-0000-000000000000, not the target's 00aa00aa/,
    );
    await expect(ingestFlowLogs([path], nsgRules, { scope: { subscriptionId: '00000000-0000-0000-0000-000000000009' } })).rejects.toBeInstanceOf(FlowLogRefused);
  });
});

describe('Azure NSG flow logs v2 and the rule counter', () => {
  const nsgLog = (id: string) => ({
    records: [
      {
        time: '2018-11-13T12:00:35.3899262Z',
        systemId: 'a0fca5ce-022c-47b1-9735-89943b42f2fa',
        category: 'NetworkSecurityGroupFlowEvent',
        resourceId: id,
        operationName: 'NetworkSecurityGroupFlowEvents',
        properties: {
          Version: 2,
          flows: [
            { rule: 'UserRule_allow-https', flows: [{ mac: '000D3AF87856', flowTuples: ['1542110377,198.51.100.7,10.0.0.4,44931,443,T,I,A,B,,,,', '1542110379,198.51.100.7,10.0.0.4,44931,443,T,I,A,E,30,16978,24,14008'] }] },
            { rule: 'DefaultRule_DenyAllInBound', flows: [{ mac: '000D3AF87856', flowTuples: ['1542110402,203.0.113.9,10.0.0.4,59932,3389,T,I,D,B,,,,'] }] },
          ],
        },
      },
    ],
  });
  it('reads v2 tuples (seconds, T/U, A/D, B/C/E) and the NetworkSecurityGroupRuleCounter samples', async () => {
    const counter = {
      records: [
        {
          time: '2018-11-13T12:05:00.000Z',
          systemId: 'a0fca5ce-022c-47b1-9735-89943b42f2fa',
          category: 'NetworkSecurityGroupRuleCounter',
          resourceId: NSG_ID,
          operationName: 'NetworkSecurityGroupCounters',
          properties: { vnetResourceGuid: '{5E9B3E2A-0000-0000-0000-000000000000}', subnetPrefix: '10.0.0.0/24', macAddress: '00-0D-3A-F8-78-56', primaryIPv4Address: '10.0.0.4', ruleName: 'UserRule_deny-scan', direction: 'In', type: 'block', matchedConnections: 125 },
        },
      ],
    };
    const { usage } = await ingestFlowLogs([file('nsg.json.gz', JSON.stringify(nsgLog(NSG_ID))), file('counter.json', JSON.stringify(counter))], nsgRules, {
      scope: { nsgName: 'web-nsg', subscriptionId: SUB },
    });
    expect(usage.rules.get(0)).toMatchObject({ hits: 1, records: 2, bytes: 16978 + 14008, firstSeen: 1542110377000 });
    expect(usage.rules.get(1)).toMatchObject({ hits: 125, attributesKnown: false });
    expect(usage.stats.unattributed.default_rule).toBe(1);
  });

  it('refuses another NSG, counts malformed records and a truncated document without failing', async () => {
    const other = file('nsg-other.json', JSON.stringify(nsgLog(NSG_ID.replace('WEB-NSG', 'DB-NSG'))));
    await expect(ingestFlowLogs([other], nsgRules, { scope: { nsgName: 'web-nsg' } })).rejects.toThrow(/NSG DB-NSG, not the target's web-nsg/);
    const good = nsgLog(NSG_ID).records[0] as { properties: { flows: { flows: { flowTuples: string[] }[] }[] } };
    const many = Array.from({ length: 1000 }, (_, i) => {
      const r = structuredClone(good);
      (r.properties.flows[0]?.flows[0] as { flowTuples: string[] }).flowTuples = [`${1542110377 + i},198.51.100.7,10.0.0.4,${i},443,T,I,A,B,,,,`];
      return r;
    });
    const doc = JSON.stringify({ records: [{ category: 'Nope' }, { category: 'NetworkSecurityGroupFlowEvent', properties: {} }, ...many] });
    // Cut inside the last record: a syntax error ends the file; what was read before it is kept.
    const truncated = file('truncated.json', doc.slice(0, -40));
    const { usage } = await ingestFlowLogs([truncated], nsgRules);
    expect(usage.stats.malformedSamples.slice(0, 2)).toMatchObject([
      { at: 'record 1', reason: expect.stringMatching(/category "Nope": expected FlowLogFlowEvent/) },
      { at: 'record 2', reason: 'properties.flows: expected an array' },
    ]);
    expect(usage.stats.malformedSamples[2]).toMatchObject({ at: expect.stringMatching(/^after record \d+$/), reason: expect.stringMatching(/^JSON: .*the rest of the file was skipped$/) });
    // At most the last 64 KiB chunk read before the error is lost.
    expect(usage.rules.get(0)?.hits).toBeGreaterThan(600);
    expect(usage.rules.get(0)?.hits).toBeLessThan(1000);
  });
});

describe('GCP firewall rules logging', () => {
  const entry = (id: string, rule: string, src: string, network = 'prod-vpc', disposition = 'ALLOWED') =>
    JSON.stringify({
      insertId: id,
      jsonPayload: {
        connection: { src_ip: src, src_port: 53342, dest_ip: '10.128.0.5', dest_port: 443, protocol: 6 },
        disposition,
        rule_details: { reference: `network:${network}/firewall:${rule}`, priority: 1000, action: 'ALLOW', direction: 'INGRESS', ip_port_info: [{ ip_protocol: 'TCP', port_range: ['443'] }], source_range: ['0.0.0.0/0'] },
        vpc: { project_id: 'acme-prod', vpc_name: network, subnetwork_name: 'web' },
      },
      logName: 'projects/acme-prod/logs/compute.googleapis.com%2Ffirewall',
      timestamp: '2026-11-01T10:00:00.123Z',
    });
  const fwRules = [rule({ placement: 'firewall', cloudId: 'allow-https' }), rule({ placement: 'firewall', cloudId: 'legacy', protocol: 'udp', ports: [] }), rule({ placement: 'firewall', cloudId: 'legacy#1', ports: [{ from: 443, to: 443 }] })];

  it('reads NDJSON entries and gcloud JSON arrays; rule_details.reference names the rule; insertId dedupes', async () => {
    const ndjson = file('fw.ndjson', [entry('a', 'allow-https', '192.0.2.1'), entry('a', 'allow-https', '192.0.2.1'), entry('b', 'legacy', '198.51.100.2')].join('\n'));
    const array = file('fw.json', `[${[entry('c', 'allow-https', '192.0.2.9')].join(',')}]`);
    const { usage } = await ingestFlowLogs([ndjson, array], fwRules, { scope: { project: 'acme-prod', network: 'prod-vpc' } });
    expect(usage.rules.get(0)).toMatchObject({ hits: 2, lastSeen: Date.parse('2026-11-01T10:00:00.123Z') });
    // A foreign firewall with a tcp and a udp entry: the tcp/443 flow counts for its tcp part only.
    expect(usage.rules.has(1)).toBe(false);
    expect(usage.rules.get(2)?.hits).toBe(1);
    expect(usage.stats.duplicates).toBe(1);
  });

  it('refuses entries of another network or project, naming both', async () => {
    await expect(ingestFlowLogs([file('fw-other.ndjson', entry('x', 'allow-https', '192.0.2.1', 'dev-vpc'))], fwRules, { scope: { network: 'prod-vpc' } })).rejects.toThrow(
      /network dev-vpc, not the target's prod-vpc/,
    );
    await expect(ingestFlowLogs([file('fw-proj.ndjson', entry('x', 'allow-https', '192.0.2.1'))], fwRules, { scope: { project: 'other' } })).rejects.toThrow(/project acme-prod, not the target's other/);
  });
});
