export { type ChangeRequest, changeRequestSchema, parseChangeRequest } from './change-request.ts';
export { isInternetSource } from './context.ts';
export { type DecisionRequest, type DeterminingPolicy, type PolicyDecision, PolicyEngine, type PolicyOutcome } from './engine.ts';
export { PolicyRequestError } from './errors.ts';
export { type LoadedPolicy, type PolicyBundle, isPolicyFile, loadPolicies, policiesDirOf, policiesFromFiles } from './load.ts';
export { approvalPolicyFromFiles, cedarApprovalPolicy, loadApprovalPolicy } from './approval.ts';
