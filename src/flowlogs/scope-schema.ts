import { z } from 'zod';
import { tryParseCidr } from '../net/cidr.ts';
import type { TargetScope } from './types.ts';

/** `scope` of a rules file: what identifies the target's own logs (checked at the edge). */
export const targetScopeSchema = z
  .object({
    accountId: z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id').optional(),
    vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, 'a VPC id like vpc-0a1b2c3d').optional(),
    interfaceIds: z.array(z.string().regex(/^eni-[0-9a-f]{8,17}$/, 'an ENI id like eni-0a1b2c3d')).optional(),
    localCidrs: z.array(z.string().refine((c) => tryParseCidr(c, { hostBits: 'mask' }).ok, 'a CIDR such as "10.0.0.0/16"')).optional(),
    subscriptionId: z.string().min(1).optional(),
    nsgName: z.string().min(1).optional(),
    nsgResourceGuid: z.string().min(1).optional(),
    project: z.string().min(1).optional(),
    network: z.string().min(1).optional(),
  })
  .strict();

const _check = (s: z.infer<typeof targetScopeSchema>): TargetScope => s;
void _check;
