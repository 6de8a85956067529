/**
 * Writes the shipped sample flow logs (deterministic): node bin/run-ts.mjs examples/flow-logs/make-samples.ts
 * Each cloud gets 15 days of logs for a small target (rules in <cloud>/rules.json) in the documented
 * formats (see README.md here), including a malformed line, a redelivered record and a gzip file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const DAY = 86_400;
const T0 = Date.UTC(2026, 10, 1) / 1000; // 2026-11-01T00:00:00Z
const DAYS = 15;
const write = (path: string, body: string | Buffer) => {
  mkdirSync(dirname(join(here, path)), { recursive: true });
  writeFileSync(join(here, path), body);
};
const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

// ---------------------------------------------------------------- AWS
const ACCOUNT = '123456789012';
const VPC = 'vpc-0a1b2c3d4e5f60001';
const ENI = 'eni-0a1b2c3d4e5f60001';
const SERVER = '10.0.1.10';
const awsRules = {
  scope: { accountId: ACCOUNT, vpcId: VPC, localCidrs: ['10.0.0.0/16'] },
  rules: [
    { cloudId: 'ingress:50', placement: 'nacl', direction: 'ingress', action: 'deny', protocol: 'all', cidrs: ['203.0.113.0/24'], priority: 50 },
    { cloudId: 'ingress:100', placement: 'nacl', direction: 'ingress', action: 'deny', protocol: 'all', cidrs: ['198.51.100.66/32'], priority: 100, owned: true, intentIds: ['int_sample_block_1'] },
    { cloudId: 'ingress:101', placement: 'nacl', direction: 'ingress', action: 'deny', protocol: 'all', cidrs: ['192.0.2.250/32'], priority: 101, owned: true, intentIds: ['int_sample_block_2'] },
    { cloudId: 'ingress:200', placement: 'nacl', direction: 'ingress', action: 'allow', protocol: 'tcp', ports: [{ from: 443, to: 443 }], cidrs: ['0.0.0.0/0'], priority: 200 },
    { cloudId: 'ingress:210', placement: 'nacl', direction: 'ingress', action: 'allow', protocol: 'tcp', ports: [{ from: 8080, to: 8090 }], cidrs: ['10.0.0.0/16'], priority: 210 },
    { cloudId: 'ingress:220', placement: 'nacl', direction: 'ingress', action: 'allow', protocol: 'tcp', ports: [{ from: 22, to: 22 }], cidrs: ['198.51.100.0/24'], priority: 220 },
    { cloudId: 'ingress:230', placement: 'nacl', direction: 'ingress', action: 'allow', protocol: 'tcp', ports: [{ from: 3306, to: 3306 }], cidrs: ['10.0.0.0/16'], priority: 230 },
    { cloudId: 'egress:100', placement: 'nacl', direction: 'egress', action: 'allow', protocol: 'all', cidrs: ['0.0.0.0/0'], priority: 100 },
    { cloudId: 'sgr-0https0000000001', placement: 'sg', direction: 'ingress', action: 'allow', protocol: 'tcp', ports: [{ from: 443, to: 443 }], cidrs: ['0.0.0.0/0'] },
    { cloudId: 'sgr-0partner00000001', placement: 'sg', direction: 'ingress', action: 'allow', protocol: 'tcp', ports: [{ from: 443, to: 443 }], cidrs: ['192.0.2.0/24'] },
    { cloudId: 'sgr-0app000000000001', placement: 'sg', direction: 'ingress', action: 'allow', protocol: 'tcp', ports: [{ from: 8080, to: 8090 }], cidrs: ['10.0.0.0/16'] },
    { cloudId: 'sgr-0ssh000000000001', placement: 'sg', direction: 'ingress', action: 'allow', protocol: 'tcp', ports: [{ from: 22, to: 22 }], cidrs: ['198.51.100.0/24'] },
    { cloudId: 'sgr-0mysql0000000001', placement: 'sg', direction: 'ingress', action: 'allow', protocol: 'tcp', ports: [{ from: 3306, to: 3306 }], cidrs: ['10.0.0.0/16'] },
    { cloudId: 'sgr-0egress000000001', placement: 'sg', direction: 'egress', action: 'allow', protocol: 'all', cidrs: ['0.0.0.0/0'] },
  ],
};
write('aws/rules.json', json(awsRules));
const CLIENTS = ['192.0.2.15', '198.18.7.20', '100.24.9.1'];
const v5Header = 'version account-id vpc-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction';
const v5: string[] = [v5Header];
const v2: string[] = [];
for (let d = 0; d < DAYS; d++) {
  const t = T0 + d * DAY + 3600;
  const lines = d % 2 === 0 ? v5 : v2;
  for (const [i, client] of CLIENTS.entries()) {
    const port = 40_000 + d * 10 + i;
    if (lines === v5) {
      v5.push(`5 ${ACCOUNT} ${VPC} ${ENI} ${client} ${SERVER} ${port} 443 6 12 4200 ${t + i} ${t + i + 60} ACCEPT OK ingress`);
      v5.push(`5 ${ACCOUNT} ${VPC} ${ENI} ${SERVER} ${client} 443 ${port} 6 10 9800 ${t + i} ${t + i + 60} ACCEPT OK egress`);
    } else {
      v2.push(`2 ${ACCOUNT} ${ENI} ${client} ${SERVER} ${port} 443 6 12 4200 ${t + i} ${t + i + 60} ACCEPT OK`);
      v2.push(`2 ${ACCOUNT} ${ENI} ${SERVER} ${client} 443 ${port} 6 10 9800 ${t + i} ${t + i + 60} ACCEPT OK`);
    }
  }
  const app = lines === v5
    ? `5 ${ACCOUNT} ${VPC} ${ENI} 10.0.2.31 ${SERVER} 51000 8080 6 5 900 ${t + 100} ${t + 160} ACCEPT OK ingress`
    : `2 ${ACCOUNT} ${ENI} 10.0.2.31 ${SERVER} 51000 8080 6 5 900 ${t + 100} ${t + 160} ACCEPT OK`;
  lines.push(app);
  const denied = lines === v5
    ? `5 ${ACCOUNT} ${VPC} ${ENI} 203.0.113.9 ${SERVER} 6000 23 6 1 40 ${t + 200} ${t + 260} REJECT OK ingress`
    : `2 ${ACCOUNT} ${ENI} 203.0.113.9 ${SERVER} 6000 23 6 1 40 ${t + 200} ${t + 260} REJECT OK`;
  lines.push(denied);
  if (d % 5 === 0) {
    const blocked = lines === v5
      ? `5 ${ACCOUNT} ${VPC} ${ENI} 198.51.100.66 ${SERVER} 7000 443 6 3 180 ${t + 300} ${t + 360} REJECT OK ingress`
      : `2 ${ACCOUNT} ${ENI} 198.51.100.66 ${SERVER} 7000 443 6 3 180 ${t + 300} ${t + 360} REJECT OK`;
    lines.push(blocked);
  }
  lines.push(
    lines === v5
      ? `5 ${ACCOUNT} ${VPC} ${ENI} ${SERVER} 52.94.0.10 45000 443 6 8 1200 ${t + 400} ${t + 460} ACCEPT OK egress`
      : `2 ${ACCOUNT} ${ENI} ${SERVER} 52.94.0.10 45000 443 6 8 1200 ${t + 400} ${t + 460} ACCEPT OK`,
  );
  lines.push(lines === v5 ? `5 ${ACCOUNT} ${VPC} ${ENI} - - - - - - - ${t + 3000} ${t + 3060} - NODATA -` : `2 ${ACCOUNT} ${ENI} - - - - - - - ${t + 3000} ${t + 3060} - NODATA`);
}
v5.splice(5, 0, 'this line is not a flow log record');
v5.splice(9, 0, v5[3] as string); // a redelivered record
write('aws/vpc-flow-logs-v5.log', `${v5.join('\n')}\n`);
write('aws/vpc-flow-logs-v2.log.gz', gzipSync(`${v2.join('\n')}\n`));

// ---------------------------------------------------------------- Azure
const SUB = '00000000-0000-0000-0000-000000000001';
const NSG_ID = `/SUBSCRIPTIONS/${SUB}/RESOURCEGROUPS/PROD-RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/WEB-NSG`;
const NSG_GUID = '6a1b2c3d-0000-4000-8000-00000000a001';
const azureRules = {
  scope: { subscriptionId: SUB, nsgName: 'web-nsg', nsgResourceGuid: NSG_GUID },
  rules: [
    { cloudId: 'deny-scanners', placement: 'nsg', direction: 'ingress', action: 'deny', protocol: 'all', cidrs: ['203.0.113.0/24'], priority: 100 },
    { cloudId: 'allow-https', placement: 'nsg', direction: 'ingress', action: 'allow', protocol: 'tcp', ports: [{ from: 443, to: 443 }], cidrs: ['0.0.0.0/0'], priority: 200 },
    { cloudId: 'allow-app', placement: 'nsg', direction: 'ingress', action: 'allow', protocol: 'tcp', ports: [{ from: 8000, to: 8999 }], cidrs: ['10.1.0.0/16'], priority: 210 },
    { cloudId: 'allow-rdp-admin', placement: 'nsg', direction: 'ingress', action: 'allow', protocol: 'tcp', ports: [{ from: 3389, to: 3389 }], cidrs: ['198.51.100.0/24'], priority: 220 },
    { cloudId: 'allow-legacy-ftp', placement: 'nsg', direction: 'ingress', action: 'allow', protocol: 'tcp', ports: [{ from: 21, to: 21 }], cidrs: ['0.0.0.0/0'], priority: 230 },
  ],
};
write('azure/rules.json', json(azureRules));
const vnetRecords = [];
const nsgRecords = [];
const counterRecords = [];
for (let d = 0; d < DAYS; d++) {
  const ms = (T0 + d * DAY + 7200) * 1000;
  const time = new Date(ms).toISOString();
  const https = CLIENTS.flatMap((c, i) => [
    `${ms + i},${c},10.1.0.4,${41_000 + d + i},443,6,I,B,NX,0,0,0,0`,
    `${ms + i + 30_000},${c},10.1.0.4,${41_000 + d + i},443,6,I,E,NX,14,5200,12,20100`,
  ]);
  if (d < 10) {
    vnetRecords.push({
      time,
      flowLogVersion: 4,
      flowLogGUID: '66aa66aa-bb77-cc88-dd99-00ee00ee00ee',
      macAddress: '00224871C205',
      category: 'FlowLogFlowEvent',
      flowLogResourceID: `/SUBSCRIPTIONS/${SUB}/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_WESTEUROPE/FLOWLOGS/PROD-VNET-FLOWLOG`,
      targetResourceID: `/subscriptions/${SUB}/resourceGroups/prod-rg/providers/Microsoft.Network/virtualNetworks/prod-vnet`,
      operationName: 'FlowLogFlowEvent',
      flowRecords: {
        flows: [
          {
            aclID: NSG_GUID,
            flowGroups: [
              { rule: 'UserRule_allow-https', flowTuples: https },
              { rule: 'UserRule_allow-app', flowTuples: [`${ms + 500},10.1.2.7,10.1.0.4,52000,8080,6,I,B,NX,0,0,0,0`, `${ms + 900},10.1.2.7,10.1.0.4,52000,8080,6,I,E,NX,4,800,4,1600`] },
              { rule: 'UserRule_deny-scanners', flowTuples: [`${ms + 700},203.0.113.44,10.1.0.4,6100,22,6,I,D,NX,0,0,0,0`] },
              { rule: 'DefaultRule_AllowInternetOutBound', flowTuples: [`${ms + 800},10.1.0.4,192.0.2.180,23956,443,6,O,B,NX,0,0,0,0`] },
            ],
          },
        ],
      },
    });
  } else {
    const s = Math.floor(ms / 1000);
    nsgRecords.push({
      time,
      systemId: '5f4d7d76-0000-4000-8000-00000000b001',
      macAddress: '00224871C205',
      category: 'NetworkSecurityGroupFlowEvent',
      resourceId: NSG_ID,
      operationName: 'NetworkSecurityGroupFlowEvents',
      properties: {
        Version: 2,
        flows: [
          { rule: 'UserRule_allow-https', flows: [{ mac: '00224871C205', flowTuples: CLIENTS.map((c, i) => `${s + i},${c},10.1.0.4,${41_000 + d + i},443,T,I,A,B,,,,`) }] },
          { rule: 'UserRule_deny-scanners', flows: [{ mac: '00224871C205', flowTuples: [`${s + 7},203.0.113.44,10.1.0.4,6100,22,T,I,D,B,,,,`] }] },
        ],
      },
    });
  }
  counterRecords.push({
    time,
    systemId: '5f4d7d76-0000-4000-8000-00000000b001',
    category: 'NetworkSecurityGroupRuleCounter',
    resourceId: NSG_ID,
    operationName: 'NetworkSecurityGroupCounters',
    properties: { vnetResourceGuid: '{00000000-0000-0000-0000-00000000C001}', subnetPrefix: '10.1.0.0/24', macAddress: '00-22-48-71-C2-05', primaryIPv4Address: '10.1.0.4', ruleName: 'UserRule_allow-app', direction: 'In', type: 'allow', matchedConnections: 3 },
  });
}
write('azure/vnet-flow-logs.json', json({ records: vnetRecords }));
write('azure/nsg-flow-logs-v2.json.gz', gzipSync(json({ records: nsgRecords })));
write('azure/nsg-rule-counter.json', json({ records: counterRecords }));

// ---------------------------------------------------------------- GCP
const gcpRules = {
  scope: { project: 'acme-prod', network: 'prod-vpc' },
  rules: [
    { cloudId: 'allow-https', placement: 'firewall', direction: 'ingress', action: 'allow', protocol: 'tcp', ports: [{ from: 443, to: 443 }, { from: 8443, to: 8443 }], cidrs: ['0.0.0.0/0'], priority: 1000 },
    { cloudId: 'allow-ssh-iap', placement: 'firewall', direction: 'ingress', action: 'allow', protocol: 'tcp', ports: [{ from: 22, to: 22 }], cidrs: ['35.235.240.0/20'], priority: 1000 },
    { cloudId: 'allow-internal', placement: 'firewall', direction: 'ingress', action: 'allow', protocol: 'all', cidrs: ['10.128.0.0/9'], priority: 65534 },
    { cloudId: 'deny-telnet', placement: 'firewall', direction: 'ingress', action: 'deny', protocol: 'tcp', ports: [{ from: 23, to: 23 }], cidrs: ['0.0.0.0/0'], priority: 900 },
  ],
};
write('gcp/rules.json', json(gcpRules));
const entries: string[] = [];
const entry = (i: number, ts: number, src: string, dport: number, rule: string, disposition: string, action: string, priority: number) =>
  JSON.stringify({
    insertId: `fw${i.toString(16).padStart(8, '0')}`,
    jsonPayload: {
      connection: { src_ip: src, src_port: 40_000 + (i % 1000), dest_ip: '10.128.0.5', dest_port: dport, protocol: 6 },
      disposition,
      rule_details: { reference: `network:prod-vpc/firewall:${rule}`, priority, action, direction: 'INGRESS', ip_port_info: [{ ip_protocol: 'TCP', port_range: [String(dport)] }], source_range: ['0.0.0.0/0'] },
      instance: { project_id: 'acme-prod', region: 'europe-west1', zone: 'europe-west1-b', vm_name: 'web-1' },
      vpc: { project_id: 'acme-prod', vpc_name: 'prod-vpc', subnetwork_name: 'web' },
    },
    logName: 'projects/acme-prod/logs/compute.googleapis.com%2Ffirewall',
    resource: { type: 'gce_subnetwork', labels: { project_id: 'acme-prod', subnetwork_name: 'web', location: 'europe-west1-b' } },
    timestamp: new Date(ts * 1000).toISOString(),
  });
let n = 0;
for (let d = 0; d < DAYS; d++) {
  const t = T0 + d * DAY + 5400;
  for (const c of CLIENTS) entries.push(entry(n++, t + n, c, 443, 'allow-https', 'ALLOWED', 'ALLOW', 1000));
  entries.push(entry(n++, t + 50, '10.130.4.2', 5432, 'allow-internal', 'ALLOWED', 'ALLOW', 65534));
  entries.push(entry(n++, t + 60, '203.0.113.80', 23, 'deny-telnet', 'DENIED', 'DENY', 900));
}
entries.splice(3, 0, entries[2] as string); // a redelivered entry
entries.splice(4, 0, '{"jsonPayload": {"connection": {}}, "timestamp": "not a time"}');
write('gcp/firewall-logs.ndjson', `${entries.join('\n')}\n`);
