/** Issue 16: identities in the config map an application's workload names to tiers. */
import { describe, expect, it } from 'vitest';
import { identitiesSchema, tierOf } from '../../src/apprepo/index.ts';

const entries = identitiesSchema.parse([
  { principal: 'cluster.local/ns/default/sa/frontend', tier: 'web' },
  { principal: 'cluster.local/ns/batch/*', tier: 'batch' },
  { namespace: 'production', tier: 'prod' },
  { namespace: 'production', labels: { app: 'ai-service' }, tier: 'api' },
  { namespaceLabels: { project: 'myproject' }, tier: 'partners' },
  { securityGroup: 'sg-1', tier: 'db' },
  { terraform: 'aws_security_group.alb', tier: 'web' },
  { networkTag: 'web', tier: 'web' },
  { networkTag: 'web', tier: 'api' },
]);

describe('tierOf', () => {
  it('matches Istio principals exactly or by prefix, the exact entry winning', () => {
    expect(tierOf({ kind: 'principal', value: 'cluster.local/ns/default/sa/frontend' }, entries)).toEqual({ tier: 'web' });
    expect(tierOf({ kind: 'principal', value: 'cluster.local/ns/batch/sa/etl' }, entries)).toEqual({ tier: 'batch' });
  });

  it('the most specific pod mapping wins: labels over the namespace alone', () => {
    expect(tierOf({ kind: 'pods', namespace: 'production', labels: { app: 'ai-service', version: 'v2' } }, entries)).toEqual({ tier: 'api' });
    expect(tierOf({ kind: 'pods', namespace: 'production', labels: { app: 'other' } }, entries)).toEqual({ tier: 'prod' });
    expect(tierOf({ kind: 'pods', namespaceLabels: { project: 'myproject' }, labels: {} }, entries)).toEqual({ tier: 'partners' });
  });

  it('a security group maps by id or by its Terraform address', () => {
    expect(tierOf({ kind: 'securityGroup', value: 'sg-1' }, entries)).toEqual({ tier: 'db' });
    expect(tierOf({ kind: 'securityGroup', address: 'aws_security_group.alb' }, entries)).toEqual({ tier: 'web' });
  });

  it('no mapping, or a tie between tiers, is a reason instead of a tier', () => {
    expect(tierOf({ kind: 'pods', namespace: 'staging', labels: { app: 'x' } }, entries)).toEqual({
      reason: 'no identity mapping for pods (namespace staging, labels {app: x}) (add it to identities: in the config)',
    });
    expect(tierOf({ kind: 'networkTag', value: 'web' }, entries)).toEqual({ reason: 'networkTag web maps to several tiers (web, api); make one mapping more specific' });
  });

  it('the config refuses an entry that names no identity or two kinds', () => {
    expect(identitiesSchema.safeParse([{ tier: 'web' }]).success).toBe(false);
    expect(identitiesSchema.safeParse([{ principal: 'a', securityGroup: 'sg-1', tier: 'web' }]).success).toBe(false);
  });
});
