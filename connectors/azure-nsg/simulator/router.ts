import { armError, armResponse, nicJson, nsgJson } from './arm-json.ts';
import { operationUrls, type SimContext } from './context.ts';
import { deleteRule, getRule, listRules, putRule } from './rule-routes.ts';

const NSG_PATH =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/networkSecurityGroups\/([^/]+)(\/securityRules(?:\/([^/]+))?)?\/?$/i;
const NIC_PATH = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/networkInterfaces(?:\/([^/]+))?\/?$/i;
const OPERATION_PATH = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Network\/locations\/([^/]+)\/(operations|operationResults)\/([^/]+)\/?$/i;

const decode = (segment: string | undefined): string => decodeURIComponent(segment ?? '');

function notFoundScope(ctx: SimContext, subscription: string, resourceGroup: string): Response | undefined {
  if (subscription.toLowerCase() !== ctx.state.subscriptionId.toLowerCase()) {
    return armError(404, 'SubscriptionNotFound', `The subscription '${subscription}' could not be found.`);
  }
  if (!ctx.state.hasResourceGroup(resourceGroup)) {
    return armError(404, 'ResourceGroupNotFound', `Resource group '${resourceGroup}' could not be found.`);
  }
  return undefined;
}

function resourceNotFound(type: string, name: string, resourceGroup: string): Response {
  return armError(
    404,
    'ResourceNotFound',
    `The Resource 'Microsoft.Network/${type}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

function methodNotAllowed(method: string): Response {
  return armError(405, 'MethodNotAllowed', `The requested method ${method} is not supported by this simulator route.`);
}

/** Routes one ARM request (faults and authentication were handled before). */
export async function route(ctx: SimContext, request: Request, url: URL): Promise<Response> {
  const method = request.method.toUpperCase();
  const nsgMatch = NSG_PATH.exec(url.pathname);
  if (nsgMatch) {
    const [, subscription, rgSegment, nsgSegment, rulesPart, ruleSegment] = nsgMatch;
    const rg = decode(rgSegment);
    const scope = notFoundScope(ctx, decode(subscription), rg);
    if (scope) return scope;
    const nsg = ctx.state.nsg(rg, decode(nsgSegment));
    if (!nsg) return resourceNotFound('networkSecurityGroups', decode(nsgSegment), rg);
    if (!rulesPart) {
      if (method === 'GET') return armResponse(200, nsgJson(ctx.state, nsg), { ETag: nsg.etag });
      return methodNotAllowed(method);
    }
    if (ruleSegment === undefined) return method === 'GET' ? listRules(ctx, url, nsg) : methodNotAllowed(method);
    const name = decode(ruleSegment);
    if (method === 'GET') return getRule(ctx, nsg, name);
    if (method === 'PUT') return putRule(ctx, request, nsg, name);
    if (method === 'DELETE') return deleteRule(ctx, request, nsg, name);
    return methodNotAllowed(method);
  }
  const nicMatch = NIC_PATH.exec(url.pathname);
  if (nicMatch) {
    if (method !== 'GET') return methodNotAllowed(method);
    const [, subscription, rgSegment, nicSegment] = nicMatch;
    const rg = decode(rgSegment);
    const scope = notFoundScope(ctx, decode(subscription), rg);
    if (scope) return scope;
    if (nicSegment === undefined) return armResponse(200, { value: ctx.state.nicsIn(rg).map((n) => nicJson(ctx.state, n)) });
    const nic = ctx.state.nic(rg, decode(nicSegment));
    return nic ? armResponse(200, nicJson(ctx.state, nic), { ETag: nic.etag }) : resourceNotFound('networkInterfaces', decode(nicSegment), rg);
  }
  const operationMatch = OPERATION_PATH.exec(url.pathname);
  if (operationMatch && method === 'GET') return operationStatus(ctx, operationMatch[3] ?? '', decode(operationMatch[4]));
  return armError(404, 'NotFound', `No route for ${method} ${url.pathname} in the Azure NSG simulator.`);
}

/** The Azure-AsyncOperation status URL, and the Location (operationResults) URL of deletes. */
function operationStatus(ctx: SimContext, kind: string, id: string): Response {
  const operation = ctx.operations.get(id);
  if (!operation) return armError(404, 'NotFound', `Operation ${id} not found.`);
  const status = ctx.operations.poll(operation);
  const retryAfter = { 'Retry-After': String(ctx.retryAfterSeconds) };
  if (kind.toLowerCase() === 'operationresults') {
    if (status === 'InProgress') return armResponse(202, undefined, { Location: operationUrls(ctx, id).location, ...retryAfter });
    if (status === 'Failed' && operation.failure) return armError(400, operation.failure.code, operation.failure.message);
    return armResponse(204);
  }
  if (status === 'InProgress') return armResponse(200, { status }, retryAfter);
  if (status === 'Failed') return armResponse(200, { status, error: operation.failure ?? { code: 'InternalServerError', message: 'An error occurred.' } });
  return armResponse(200, { status });
}
