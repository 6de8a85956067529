/**
 * The simulator's default world, used by the sandbox config and the tests: one subscription, one
 * resource group, one NSG (with Azure's six default rules) and one VM NIC with a private IP in it.
 */
export const SIM_SUBSCRIPTION_ID = '00000000-0000-0000-0000-000000000000';
export const SIM_LOCATION = 'eastus';
export const SIM_RESOURCE_GROUP = 'rg-portcullis';
export const SIM_NSG_NAME = 'nsg-web';
export const SIM_VM_NAME = 'vm-web-1';
export const SIM_NIC_NAME = 'vm-web-1-nic';
export const SIM_PRIVATE_IP = '10.0.1.4';
export const SIM_PRIVATE_IPV6 = 'fd00:db8:1::4';

/** Seed state accepted through `SimulatorOptions.seedState`. */
export interface AzureSeedState {
  subscriptionId: string;
  location: string;
  resourceGroups: string[];
  nsgs: { resourceGroup: string; name: string }[];
  nics: {
    resourceGroup: string;
    name: string;
    /** The VM the NIC is attached to (matched by quarantine when a VM name is given). */
    vmName?: string;
    privateIps: string[];
    /** NSG associated with the NIC, in the same resource group. */
    nsgName?: string;
  }[];
}

export const defaultSeedState: AzureSeedState = {
  subscriptionId: SIM_SUBSCRIPTION_ID,
  location: SIM_LOCATION,
  resourceGroups: [SIM_RESOURCE_GROUP],
  nsgs: [{ resourceGroup: SIM_RESOURCE_GROUP, name: SIM_NSG_NAME }],
  nics: [
    {
      resourceGroup: SIM_RESOURCE_GROUP,
      name: SIM_NIC_NAME,
      vmName: SIM_VM_NAME,
      privateIps: [SIM_PRIVATE_IP, SIM_PRIVATE_IPV6],
      nsgName: SIM_NSG_NAME,
    },
  ],
};

/** Azure's six default rules, as NRP returns them (NetworkSecurityGroupGet example, 2025-05-01). */
export const DEFAULT_SECURITY_RULES = [
  ['AllowVnetInBound', 'Allow inbound traffic from all VMs in VNET', 'Allow', 'VirtualNetwork', 'VirtualNetwork', 65000, 'Inbound'],
  ['AllowAzureLoadBalancerInBound', 'Allow inbound traffic from azure load balancer', 'Allow', 'AzureLoadBalancer', '*', 65001, 'Inbound'],
  ['DenyAllInBound', 'Deny all inbound traffic', 'Deny', '*', '*', 65500, 'Inbound'],
  ['AllowVnetOutBound', 'Allow outbound traffic from all VMs to all VMs in VNET', 'Allow', 'VirtualNetwork', 'VirtualNetwork', 65000, 'Outbound'],
  ['AllowInternetOutBound', 'Allow outbound traffic from all VMs to Internet', 'Allow', '*', 'Internet', 65001, 'Outbound'],
  ['DenyAllOutBound', 'Deny all outbound traffic', 'Deny', '*', '*', 65500, 'Outbound'],
] as const;
