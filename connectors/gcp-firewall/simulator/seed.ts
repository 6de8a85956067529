/** The simulator's starting state: projects, networks, foreign firewall rules and instances. */

import { z } from 'zod';

export const GCP_SIM_PROJECT = 'portcullis-sandbox';
export const GCP_SIM_NETWORK = 'default';
export const GCP_SIM_ZONE = 'us-central1-a';
/** An instance with tags, on GCP_SIM_NETWORK in GCP_SIM_ZONE, that the sandbox can quarantine. */
export const GCP_SIM_INSTANCE = 'web-1';
export const GCP_SIM_INSTANCE_TAGS = ['http-server', 'https-server'];
/** Rules that exist before portcullis runs (the default network's usual rules); never owned. */
export const GCP_SIM_FOREIGN_RULES = ['default-allow-internal', 'default-allow-ssh'];

const protocolEntry = z.object({ IPProtocol: z.string(), ports: z.array(z.string()).optional() }).strict();

export const seedFirewallSchema = z
  .object({
    name: z.string(),
    network: z.string(),
    direction: z.enum(['INGRESS', 'EGRESS']).default('INGRESS'),
    priority: z.number().int().default(1000),
    description: z.string().optional(),
    allowed: z.array(protocolEntry).optional(),
    denied: z.array(protocolEntry).optional(),
    sourceRanges: z.array(z.string()).optional(),
    destinationRanges: z.array(z.string()).optional(),
    sourceTags: z.array(z.string()).optional(),
    targetTags: z.array(z.string()).optional(),
  })
  .strict();

export const gcpSeedSchema = z
  .object({
    projects: z.array(
      z
        .object({
          id: z.string(),
          networks: z.array(z.string()).default([]),
          firewalls: z.array(seedFirewallSchema).default([]),
          zones: z
            .array(
              z
                .object({
                  name: z.string(),
                  instances: z
                    .array(
                      z
                        .object({
                          name: z.string(),
                          tags: z.array(z.string()).default([]),
                          networks: z.array(z.string()).min(1),
                        })
                        .strict(),
                    )
                    .default([]),
                })
                .strict(),
            )
            .default([]),
        })
        .strict(),
    ),
  })
  .strict();

export type GcpSeed = z.input<typeof gcpSeedSchema>;
export type ParsedGcpSeed = z.output<typeof gcpSeedSchema>;

export const defaultGcpSeed: GcpSeed = {
  projects: [
    {
      id: GCP_SIM_PROJECT,
      networks: [GCP_SIM_NETWORK, 'prod-vpc'],
      firewalls: [
        {
          name: 'default-allow-internal',
          network: GCP_SIM_NETWORK,
          priority: 65534,
          description: 'Allow internal traffic on the default network',
          allowed: [{ IPProtocol: 'tcp', ports: ['0-65535'] }, { IPProtocol: 'udp', ports: ['0-65535'] }, { IPProtocol: 'icmp' }],
          sourceRanges: ['10.128.0.0/9'],
        },
        {
          name: 'default-allow-ssh',
          network: GCP_SIM_NETWORK,
          priority: 65534,
          description: 'Allow SSH from anywhere',
          allowed: [{ IPProtocol: 'tcp', ports: ['22'] }],
          sourceRanges: ['0.0.0.0/0'],
        },
      ],
      zones: [
        {
          name: GCP_SIM_ZONE,
          instances: [
            { name: GCP_SIM_INSTANCE, tags: [...GCP_SIM_INSTANCE_TAGS], networks: [GCP_SIM_NETWORK] },
            { name: 'db-1', tags: [], networks: [GCP_SIM_NETWORK] },
          ],
        },
        { name: 'us-central1-b', instances: [] },
      ],
    },
  ],
};
