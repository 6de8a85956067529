import type { NetworkInterface, NetworkSecurityGroup, SecurityRule } from '@azure/arm-network';
import { armCall, armLongRunning, type ArmContext } from './arm-calls.ts';
import type { AzureNsgTarget } from './config.ts';

/** The ARM calls this connector makes, each under the shared retry policy (names are ARM operation ids). */
export function nsgApi(ctx: ArmContext, target: AzureNsgTarget) {
  const { client } = ctx;
  const rg = target.resourceGroup;
  const nsg = target.nsgName;
  return {
    getNsg: () =>
      armCall<NetworkSecurityGroup>(ctx, 'NetworkSecurityGroups_Get', (onResponse) =>
        client.networkSecurityGroups.get(rg, nsg, { onResponse }),
      ),

    listRules: () =>
      armCall<SecurityRule[]>(ctx, 'SecurityRules_List', async (onResponse) => {
        const rules: SecurityRule[] = [];
        for await (const rule of client.securityRules.list(rg, nsg, { onResponse })) rules.push(rule);
        return rules;
      }),

    getRule: (name: string) =>
      armCall<SecurityRule | undefined>(ctx, 'SecurityRules_Get', async (onResponse) => {
        try {
          return await client.securityRules.get(rg, nsg, name, { onResponse });
        } catch (error) {
          if (error instanceof Error && error.name === 'RestError' && (error as { statusCode?: number }).statusCode === 404) {
            return undefined;
          }
          throw error;
        }
      }),

    putRule: (name: string, rule: SecurityRule) =>
      armLongRunning<SecurityRule>(ctx, 'SecurityRules_CreateOrUpdate', (options) =>
        client.securityRules.beginCreateOrUpdate(rg, nsg, name, rule, options),
      ),

    deleteRule: (name: string) =>
      armLongRunning<void>(ctx, 'SecurityRules_Delete', (options) => client.securityRules.beginDelete(rg, nsg, name, options)),

    getNic: (name: string) =>
      armCall<NetworkInterface | undefined>(ctx, 'NetworkInterfaces_Get', async (onResponse) => {
        try {
          return await client.networkInterfaces.get(rg, name, { onResponse });
        } catch (error) {
          if (error instanceof Error && error.name === 'RestError' && (error as { statusCode?: number }).statusCode === 404) {
            return undefined;
          }
          throw error;
        }
      }),

    listNics: () =>
      armCall<NetworkInterface[]>(ctx, 'NetworkInterfaces_List', async (onResponse) => {
        const nics: NetworkInterface[] = [];
        for await (const nic of client.networkInterfaces.list(rg, { onResponse })) nics.push(nic);
        return nics;
      }),
  };
}

export type NsgApi = ReturnType<typeof nsgApi>;
