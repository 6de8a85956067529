import { describe, expect, it } from 'vitest';
import { classifyStatus } from './errors.ts';

describe('error classification table', () => {
  it.each([
    [429, 'Throttled', 'throttled', true],
    [429, 'RetryableError', 'throttled', true],
    [409, 'AnotherOperationInProgress', 'conflict', true],
    [409, 'InUseNetworkSecurityGroupCannotBeDeleted', 'conflict', false],
    [412, 'PreconditionFailed', 'conflict', true],
    [500, 'InternalServerError', 'transient', true],
    [503, 'ServiceUnavailable', 'transient', true],
    [501, 'NotImplemented', 'unknown', false],
    [400, 'SecurityRuleConflict', 'validation', false],
    [400, 'SecurityRuleParameterContainsUnsupportedValue', 'validation', false],
    [400, 'InvalidRequestFormat', 'validation', false],
    [400, 'SecurityRuleCountLimitReached', 'quota', false],
    [403, 'AuthorizationFailed', 'permission', false],
    [401, 'InvalidAuthenticationToken', 'permission', false],
    [404, 'ResourceNotFound', 'not_found', false],
    [undefined, 'InternalServerError', 'transient', true],
    [undefined, 'SecurityRuleConflict', 'validation', false],
  ] as const)('%s %s → %s (retryable %s)', (status, code, kind, retryable) => {
    const classified = classifyStatus(status, code);
    expect(classified.kind).toBe(kind);
    expect(classified.retryable).toBe(retryable);
  });
});
