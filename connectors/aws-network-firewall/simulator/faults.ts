/**
 * Network Firewall errors as the AWS JSON 1.0 protocol carries them: HTTP status, `__type` (the error
 * shape's name) and `Message`. Names and their meaning from the API reference's "Errors" sections
 * (DescribeRuleGroup, UpdateRuleGroup, ListRuleGroups, DescribeFirewallPolicy); messages are ours unless
 * the README cites an observed one.
 */
export class NfwFault extends Error {
  readonly code: string;
  readonly status: number;
  readonly retryAfterSeconds?: number;
  constructor(code: string, message: string, status = 400, retryAfterSeconds?: number) {
    super(message);
    this.name = 'NfwFault';
    this.code = code;
    this.status = status;
    if (retryAfterSeconds !== undefined) this.retryAfterSeconds = retryAfterSeconds;
  }
}

export const faults = {
  internal: (status = 500) =>
    status === 503
      ? new NfwFault('ServiceUnavailableException', 'Service is unavailable. Retry your request.', 503)
      : new NfwFault('InternalServerError', "Network Firewall couldn't perform the operation because of a system problem. Retry your request.", status),
  missingAuth: () => new NfwFault('MissingAuthenticationTokenException', 'Missing Authentication Token', 403),
  accessDenied: (operation: string, arn: string) =>
    new NfwFault(
      'AccessDeniedException',
      `User: arn:aws:iam::123456789012:user/portcullis is not authorized to perform: network-firewall:${operation} on resource: ${arn}`,
      400,
    ),
  throttled: (retryAfterSeconds?: number) => new NfwFault('ThrottlingException', 'Rate exceeded', 400, retryAfterSeconds),
  unknownOperation: (target: string) => new NfwFault('UnknownOperationException', `The operation ${target} is not supported.`, 400),
  invalid: (message: string) => new NfwFault('InvalidRequestException', message, 400),
  notFound: (what: string) => new NfwFault('ResourceNotFoundException', `${what} not found`, 400),
  staleToken: () => new NfwFault('InvalidTokenException', 'Update token is invalid: the resource has changed since it was described. Describe it again and retry.', 400),
  capacity: (kind: 'StatelessRules' | 'StatefulRules', consumed: number, capacity: number) =>
    // "StatefulRules capacity exceeded" is the observed text for stateful groups (see README); stateless by analogy.
    new NfwFault('InvalidRequestException', `${kind} capacity exceeded: the rules need ${consumed} capacity units, the rule group has ${capacity}`, 400),
  limitExceeded: (what: string) => new NfwFault('LimitExceededException', `${what} limit exceeded`, 400),
};
