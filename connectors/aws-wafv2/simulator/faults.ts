/**
 * AWS WAF (wafv2) error shapes as the JSON 1.1 protocol returns them: HTTP status, `__type` and
 * `Message`. Codes and messages per the WAFV2 API reference ("Common errors" and each action's
 * Errors section) and the exception docs in the service model (see ../README.md, Sources).
 */
export class WafFault extends Error {
  readonly code: string;
  readonly status: number;
  /** Extra members of the error body (WAFInvalidParameterException: Field, Parameter, Reason). */
  readonly extra: Record<string, string>;
  constructor(code: string, message: string, status = 400, extra: Record<string, string> = {}) {
    super(message);
    this.code = code;
    this.status = status;
    this.extra = extra;
    this.name = 'WafFault';
  }
}

export const faults = {
  nonexistent: () =>
    new WafFault('WAFNonexistentItemException', 'AWS WAF couldn’t perform the operation because your resource doesn’t exist.'),
  optimisticLock: () =>
    new WafFault(
      'WAFOptimisticLockException',
      'AWS WAF couldn’t save your changes because someone changed the resource after you started to edit it. Reapply your changes.',
    ),
  limits: (what: string) =>
    new WafFault(
      'WAFLimitsExceededException',
      `AWS WAF couldn’t perform the operation because you exceeded your resource limit (${what}).`,
      400,
      { SourceType: what },
    ),
  duplicate: () =>
    new WafFault(
      'WAFDuplicateItemException',
      'AWS WAF couldn’t perform the operation because some resource in your request is a duplicate of an existing one.',
    ),
  associated: () =>
    new WafFault(
      'WAFAssociatedItemException',
      'AWS WAF couldn’t perform the operation because your resource is being used by another resource or it’s associated with another resource.',
    ),
  invalidParameter: (field: string, parameter: string, reason: string) =>
    new WafFault('WAFInvalidParameterException', `Error reason: ${reason}, field: ${field}, parameter: ${parameter}`, 400, {
      Field: field,
      Parameter: parameter,
      Reason: reason,
    }),
  /** Missing or malformed members: the JSON protocol's own validation error. */
  validation: (message: string) => new WafFault('ValidationException', message),
  throttled: () => new WafFault('ThrottlingException', 'Rate exceeded'),
  unavailableEntity: () =>
    new WafFault(
      'WAFUnavailableEntityException',
      'AWS WAF couldn’t retrieve a resource that you specified for this operation. If you’ve just created a resource that you’re using in this operation, you might just need to wait a few minutes. It can take from a few seconds to a number of minutes for changes to propagate.',
    ),
  accessDenied: (action: string) =>
    new WafFault('AccessDeniedException', `User is not authorized to perform: wafv2:${action} on this resource`),
  missingAuth: () => new WafFault('MissingAuthenticationTokenException', 'Missing Authentication Token', 403),
  unknownOperation: (target: string) => new WafFault('UnknownOperationException', `Unknown operation ${target}`),
  internal: (status = 500) =>
    status === 503
      ? new WafFault('ServiceUnavailableException', 'Service Unavailable', 503)
      : new WafFault('WAFInternalErrorException', 'AWS WAF couldn’t perform your operation because of an internal error. Retry your request.', status),
};
