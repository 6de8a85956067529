import { type AzureState, DEFAULT_SECURITY_RULES, type NicRecord, type NsgRecord, type RuleRecord } from './state.ts';

/** ARM JSON bodies, shaped like the azure-rest-api-specs examples (see fixtures/cloud/azure). */
export function ruleJson(state: AzureState, nsg: NsgRecord, rule: RuleRecord): Record<string, unknown> {
  return {
    name: rule.name,
    id: `${state.nsgId(nsg)}/securityRules/${rule.name}`,
    etag: rule.etag,
    type: 'Microsoft.Network/networkSecurityGroups/securityRules',
    properties: { provisioningState: rule.provisioningState, ...rule.properties },
  };
}

function defaultRulesJson(state: AzureState, nsg: NsgRecord): Record<string, unknown>[] {
  return DEFAULT_SECURITY_RULES.map(([name, description, access, source, destination, priority, direction]) => ({
    name,
    id: `${state.nsgId(nsg)}/defaultSecurityRules/${name}`,
    etag: nsg.etag,
    type: 'Microsoft.Network/networkSecurityGroups/defaultSecurityRules',
    properties: {
      provisioningState: 'Succeeded',
      description,
      protocol: '*',
      sourcePortRange: '*',
      destinationPortRange: '*',
      sourceAddressPrefix: source,
      destinationAddressPrefix: destination,
      access,
      priority,
      direction,
    },
  }));
}

export function nsgJson(state: AzureState, nsg: NsgRecord): Record<string, unknown> {
  const nics = state.nicsIn(nsg.resourceGroup).filter((n) => n.nsgName?.toLowerCase() === nsg.name.toLowerCase());
  return {
    name: nsg.name,
    id: state.nsgId(nsg),
    etag: nsg.etag,
    type: 'Microsoft.Network/networkSecurityGroups',
    location: state.location,
    properties: {
      provisioningState: nsg.busyWith ? 'Updating' : 'Succeeded',
      resourceGuid: nsg.resourceGuid,
      securityRules: [...nsg.rules.values()].map((r) => ruleJson(state, nsg, r)),
      defaultSecurityRules: defaultRulesJson(state, nsg),
      networkInterfaces: nics.map((n) => ({ id: state.nicId(n) })),
    },
  };
}

export function nicJson(state: AzureState, nic: NicRecord): Record<string, unknown> {
  const id = state.nicId(nic);
  const subnet = `/subscriptions/${state.subscriptionId}/resourceGroups/${nic.resourceGroup}/providers/Microsoft.Network/virtualNetworks/vnet-sim/subnets/default`;
  return {
    name: nic.name,
    id,
    etag: nic.etag,
    type: 'Microsoft.Network/networkInterfaces',
    location: state.location,
    properties: {
      provisioningState: 'Succeeded',
      ipConfigurations: nic.privateIps.map((ip, index) => ({
        name: `ipconfig${index + 1}`,
        id: `${id}/ipConfigurations/ipconfig${index + 1}`,
        etag: nic.etag,
        properties: {
          primary: index === 0,
          privateIPAddress: ip,
          privateIPAddressVersion: ip.includes(':') ? 'IPv6' : 'IPv4',
          privateIPAllocationMethod: 'Dynamic',
          provisioningState: 'Succeeded',
          subnet: { id: subnet },
        },
      })),
      ...(nic.nsgName
        ? { networkSecurityGroup: { id: state.nsgId({ resourceGroup: nic.resourceGroup, name: nic.nsgName }) } }
        : {}),
      ...(nic.vmName
        ? { virtualMachine: { id: `/subscriptions/${state.subscriptionId}/resourceGroups/${nic.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${nic.vmName}` } }
        : {}),
      primary: true,
      enableAcceleratedNetworking: false,
      enableIPForwarding: false,
      macAddress: '00-0D-3A-00-00-01',
      dnsSettings: { dnsServers: [], appliedDnsServers: [] },
    },
  };
}

/** Response helpers: every answer carries the ARM request ids. */
export function armResponse(status: number, body?: unknown, headers: Record<string, string> = {}): Response {
  const requestId = crypto.randomUUID();
  const all: Record<string, string> = {
    'x-ms-request-id': requestId,
    'x-ms-correlation-request-id': requestId,
    ...headers,
  };
  if (body === undefined) return new Response(null, { status, headers: all });
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...all } });
}

/** The ARM error envelope: {"error":{"code","message","details":[]}}. */
export function armError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
  details: { code: string; message: string }[] = [],
): Response {
  return armResponse(status, { error: { code, message, details } }, headers);
}
