/**
 * The simulator's starting state, shaped like a real account: the owned IP list (its description
 * carries the ownership marker) referenced by a block rule in the zone's custom-rules entry point, plus
 * lists and rules the service must leave alone. Ids are 32 hex characters, as Cloudflare's are.
 */

export const CF_SIM_ACCOUNT = '023e105f4ecef8ad9ca31a8372d0c353';
export const CF_SIM_ZONE = '9a7806061c88ada191ed06f989cc3dac';
export const CF_SIM_RULESET = '2f2feab2026849078ba485f918791bdc';
/** The list the sandbox and the tests block into. */
export const CF_SIM_LIST = 'portcullis_blocks';
export const CF_SIM_LIST_ID = '2c0fc9fa937b11eaa1b71c4d701ab86e';
/** A list without the marker, an ASN list, and the rule that blocks nothing of ours. */
export const CF_SIM_FOREIGN_LIST = 'partner_blocks';
export const CF_SIM_ASN_LIST = 'bad_asns';
export const CF_SIM_UNREFERENCED_LIST = 'portcullis_spare';

export interface SeedList {
  id: string;
  name: string;
  kind: 'ip' | 'asn' | 'hostname' | 'redirect';
  description: string;
  items: string[];
}

export interface SeedRule {
  id: string;
  action: string;
  expression: string;
  description: string;
  enabled: boolean;
}

export interface CloudflareSeed {
  accounts: { id: string; lists: SeedList[] }[];
  zones: { id: string; entrypoint: { id: string; rules: SeedRule[] } }[];
  /** API tokens the simulator accepts (Bearer). */
  tokens: string[];
}

export function defaultSeed(): CloudflareSeed {
  return {
    accounts: [
      {
        id: CF_SIM_ACCOUNT,
        lists: [
          { id: CF_SIM_LIST_ID, name: CF_SIM_LIST, kind: 'ip', description: 'Blocks pushed by the SOC (managed-by:portcullis)', items: [] },
          { id: 'b7e4d1a0c9f34e1f8a2b6c5d4e3f2a10', name: CF_SIM_FOREIGN_LIST, kind: 'ip', description: "A partner's blocks, kept by hand", items: ['198.51.100.0/24', '192.0.2.10'] },
          { id: 'c1d2e3f4a5b64c7d8e9fa0b1c2d3e4f5', name: CF_SIM_ASN_LIST, kind: 'asn', description: 'managed-by:portcullis (wrong kind)', items: [] },
          { id: 'd4c3b2a1f0e94d8c7b6a5f4e3d2c1b0a', name: CF_SIM_UNREFERENCED_LIST, kind: 'ip', description: 'managed-by:portcullis, no rule uses it', items: [] },
        ],
      },
    ],
    zones: [
      {
        id: CF_SIM_ZONE,
        entrypoint: {
          id: CF_SIM_RULESET,
          rules: [
            { id: '3a03d665bac047339bb530ecb439a90d', action: 'block', expression: `ip.src in $${CF_SIM_LIST}`, description: 'portcullis blocks', enabled: true },
            { id: '7f1e2d3c4b5a49687f6e5d4c3b2a1f0e', action: 'managed_challenge', expression: `ip.src in $${CF_SIM_FOREIGN_LIST}`, description: 'partner list: challenge', enabled: true },
            { id: 'e9d8c7b6a5f44e3d2c1b0a9f8e7d6c5b', action: 'block', expression: `(http.request.uri.path contains "/wp-admin")`, description: 'no WordPress here', enabled: true },
          ],
        },
      },
    ],
    tokens: ['portcullis-simulator-token'],
  };
}
