/**
 * EC2 error codes, HTTP statuses and messages as the real service returns them (see
 * /work/shared/reference/cloud-apis.md §1; messages quoted there come from captured responses).
 */
export class Ec2Fault extends Error {
  readonly code: string;
  readonly status;
  readonly retryAfterSeconds?: number;
  constructor(
    code: string,
    message: string,
    status = 400,
    /** Seconds, sent as Retry-After (EC2 itself does not send one; the throttle switch may). */
    retryAfterSeconds?: number,
  ) {
    super(message);
    this.code = code;
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
    this.name = 'Ec2Fault';
  }
}

export const faults = {
  dryRun: () => new Ec2Fault('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412),
  unauthorized: () => new Ec2Fault('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403),
  authFailure: () =>
    new Ec2Fault('AuthFailure', 'AWS was not able to validate the provided access credentials', 401),
  throttled: (retryAfterSeconds?: number) =>
    new Ec2Fault('RequestLimitExceeded', 'Request limit exceeded.', 503, retryAfterSeconds),
  internal: (status = 500) =>
    status === 503
      ? new Ec2Fault('Unavailable', "The server is overloaded and can't handle the request.", 503)
      : new Ec2Fault('InternalError', 'An internal error has occurred.', status),
  invalidAction: (action: string) =>
    new Ec2Fault('InvalidAction', `The action ${action} is not valid for this web service.`),
  missing: (parameter: string) =>
    new Ec2Fault('MissingParameter', `The request must contain the parameter ${parameter}`),
  invalidValue: (message: string) => new Ec2Fault('InvalidParameterValue', message),
  invalidFilter: (name: string) => new Ec2Fault('InvalidParameterValue', `The filter '${name}' is invalid`),
  aclNotFound: (id: string) => new Ec2Fault('InvalidNetworkAclID.NotFound', `The network ACL ID '${id}' does not exist`),
  aclEntryNotFound: (egress: boolean, ruleNumber: number) =>
    new Ec2Fault('InvalidNetworkAclEntry.NotFound', `no ${egress ? 'egress' : 'ingress'} entry with number ${ruleNumber}`),
  aclEntryExists: (ruleNumber: number) =>
    new Ec2Fault('NetworkAclEntryAlreadyExists', `The network acl entry identified by ${ruleNumber} already exists.`),
  aclEntryLimit: () =>
    new Ec2Fault('NetworkAclEntryLimitExceeded', 'The maximum number of network acl entries has been reached.'),
  groupNotFound: (id: string) => new Ec2Fault('InvalidGroup.NotFound', `The security group '${id}' does not exist`),
  groupDuplicate: (name: string, vpcId: string) =>
    new Ec2Fault('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${vpcId}'`),
  ruleIdNotFound: (id: string) =>
    new Ec2Fault('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${id}' does not exist`),
  permissionDuplicate: (peer: string, protocol: string, from: number, to: number) =>
    new Ec2Fault(
      'InvalidPermission.Duplicate',
      `the specified rule "peer: ${peer}, ${protocol.toUpperCase()}, from port: ${from}, to port: ${to}, ALLOW" already exists`,
    ),
  permissionNotFound: () =>
    new Ec2Fault('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.'),
  rulesPerGroupLimit: () =>
    new Ec2Fault('RulesPerSecurityGroupLimitExceeded', 'The maximum number of rules per security group has been reached.'),
  groupsPerInterfaceLimit: () =>
    new Ec2Fault(
      'SecurityGroupsPerInterfaceLimitExceeded',
      'The maximum number of security groups per interface has been reached.',
    ),
  eniNotFound: (id: string) =>
    new Ec2Fault('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${id}' does not exist`),
  vpcNotFound: (id: string) => new Ec2Fault('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`),
  instanceNotFound: (id: string) => new Ec2Fault('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`),
  resourceNotFound: (id: string) => new Ec2Fault('InvalidID', `The ID '${id}' is not valid`),
};
