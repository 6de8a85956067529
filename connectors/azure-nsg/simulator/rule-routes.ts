import { armError, armResponse, ruleJson } from './arm-json.ts';
import { operationUrls, type SimContext } from './context.ts';
import { checkRule, checkRuleName, parseRuleProperties, prefixCount } from './rule-checks.ts';
import { newEtag, type NsgRecord, type RuleProperties } from './state.ts';

function ruleId(ctx: SimContext, nsg: NsgRecord, name: string): string {
  return `${ctx.state.nsgId(nsg)}/securityRules/${name}`;
}

function refuse(refusal: { code: string; message: string }): Response {
  return armError(400, refusal.code, refusal.message);
}

/**
 * Two writes on one NSG overlap: NRP answers the second 429 RetryableError with the detail
 * RetryableErrorDueToAnotherOperation and no Retry-After (Azure/azure-sdk-for-python#556; see README).
 */
function overlap(ctx: SimContext, nsg: NsgRecord, name: string): Response | undefined {
  const busy = ctx.operations.busy(nsg);
  if (!busy) return undefined;
  ctx.stats.overlaps++;
  return armError(429, 'RetryableError', 'A retryable error occurred.', {}, [
    {
      code: 'RetryableErrorDueToAnotherOperation',
      message: `Operation PutSecurityRuleOperation (${busy.id}) is updating resource ${ctx.state.nsgId(nsg)}. The call can be retried in 2 seconds. Request for ${name} was not applied.`,
    },
  ]);
}

/** With a role configured (`roleActions`), a write the role does not grant is refused as ARM refuses it. */
function unauthorized(ctx: SimContext, nsg: NsgRecord, name: string, action: string, props?: RuleProperties): Response | undefined {
  if (!ctx.roleActions) return undefined;
  const scope = ruleId(ctx, nsg, name);
  if (!ctx.roleActions.includes(action)) {
    return armError(
      403,
      'AuthorizationFailed',
      `The client 'portcullis-simulator' with object id 'portcullis-simulator' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid.`,
    );
  }
  const groups = (v: unknown) => (Array.isArray(v) ? (v as { id?: string }[]) : []);
  const asgs = [...groups(props?.sourceApplicationSecurityGroups), ...groups(props?.destinationApplicationSecurityGroups)];
  if (asgs.length > 0 && !ctx.roleActions.includes(JOIN_ASG)) {
    return armError(
      403,
      'LinkedAuthorizationFailed',
      `The client 'portcullis-simulator' with object id 'portcullis-simulator' has permission to perform action '${action}' on scope '${scope}'; however, it does not have permission to perform action '${JOIN_ASG}' on the linked scope(s) '${asgs.map((a) => a.id ?? '').join(',')}' or the linked scope(s) are invalid.`,
    );
  }
  return undefined;
}

const JOIN_ASG = 'Microsoft.Network/applicationSecurityGroups/joinNetworkSecurityRule/action';

function preconditionFailed(request: Request, etag: string | undefined): Response | undefined {
  const ifMatch = request.headers.get('if-match');
  if (!ifMatch) return undefined;
  const matches = ifMatch === '*' ? etag !== undefined : ifMatch === etag;
  return matches ? undefined : armError(412, 'PreconditionFailed', 'The condition specified using HTTP conditional header(s) is not met.');
}

export async function putRule(ctx: SimContext, request: Request, nsg: NsgRecord, name: string): Promise<Response> {
  const nameRefusal = checkRuleName(name);
  if (nameRefusal) return refuse(nameRefusal);
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return armError(400, 'InvalidRequestFormat', 'Cannot parse the request.');
  }
  const parsed = parseRuleProperties(body);
  if ('refusal' in parsed) return refuse(parsed.refusal);
  const props = parsed.properties;
  const id = ruleId(ctx, nsg, name);
  const invalid = checkRule(id, props);
  if (invalid) return refuse(invalid);
  const existing = ctx.state.rule(nsg, name);
  const stale = preconditionFailed(request, existing?.etag);
  if (stale) return stale;
  const denied = unauthorized(ctx, nsg, name, 'Microsoft.Network/networkSecurityGroups/securityRules/write', props);
  if (denied) return denied;
  const busy = overlap(ctx, nsg, name);
  if (busy) return busy;

  const others = [...nsg.rules.values()].filter((r) => r.name.toLowerCase() !== name.toLowerCase());
  const clash = others.find((r) => r.properties.priority === props.priority && r.properties.direction === props.direction);
  if (clash) {
    return refuse({
      code: 'SecurityRuleConflict',
      message: `Security rule ${name} conflicts with rule ${clash.name}. Rules cannot have the same Priority and Direction. To learn more, see aka.ms/nsgrules.`,
    });
  }
  if (others.length + 1 > ctx.quotas.rulesPerNsg) {
    return refuse({ code: 'SecurityRuleCountLimitReached', message: `A security group cannot have more than ${ctx.quotas.rulesPerNsg} security rules.` });
  }
  const totals = [...others.map((r) => r.properties), props].map(prefixCount);
  for (const side of ['source', 'destination'] as const) {
    const total = totals.reduce((sum, t) => sum + t[side], 0);
    if (total > ctx.quotas.prefixesPerNsg) {
      // The code is the one NRP answers (issue 9, item 21); the wording of the message is ours (see README).
      return refuse({
        code: 'SecurityRuleAddressesOrPortsPerSecurityGroupLimitReached',
        message: `Security rules of network security group ${ctx.state.nsgId(nsg)} would hold ${total} ${side} addresses or prefixes; the limit is ${ctx.quotas.prefixesPerNsg}.`,
      });
    }
  }

  const record = { name: existing?.name ?? name, properties: props, etag: newEtag(), provisioningState: 'Updating' as const };
  ctx.state.setRule(nsg, record);
  const operation = ctx.operations.start(nsg, 'put', name, existing, ctx.slowPolls);
  return armResponse(existing ? 200 : 201, ruleJson(ctx.state, nsg, record), {
    'Azure-AsyncOperation': operationUrls(ctx, operation.id).asyncOperation,
    'Retry-After': String(ctx.retryAfterSeconds),
    ...ctx.faults.remainingWrites(),
  });
}

export function deleteRule(ctx: SimContext, request: Request, nsg: NsgRecord, name: string): Response {
  const existing = ctx.state.rule(nsg, name);
  const stale = preconditionFailed(request, existing?.etag);
  if (stale) return stale;
  const denied = unauthorized(ctx, nsg, name, 'Microsoft.Network/networkSecurityGroups/securityRules/delete');
  if (denied) return denied;
  if (!existing) return armResponse(204, undefined, ctx.faults.remainingWrites());
  const busy = overlap(ctx, nsg, name);
  if (busy) return busy;
  existing.provisioningState = 'Deleting';
  const operation = ctx.operations.start(nsg, 'delete', name, { ...existing, provisioningState: 'Succeeded' }, ctx.slowPolls);
  const urls = operationUrls(ctx, operation.id);
  return armResponse(202, undefined, {
    'Azure-AsyncOperation': urls.asyncOperation,
    Location: urls.location,
    'Retry-After': String(ctx.retryAfterSeconds),
    ...ctx.faults.remainingWrites(),
  });
}

export function getRule(ctx: SimContext, nsg: NsgRecord, name: string): Response {
  const rule = ctx.state.rule(nsg, name);
  if (!rule) return armError(404, 'NotFound', `Resource ${ruleId(ctx, nsg, name)} not found.`);
  return armResponse(200, ruleJson(ctx.state, nsg, rule), { ETag: rule.etag });
}

/** Lists rules a page at a time; `nextLink` is absolute and carries a $skipToken. */
export function listRules(ctx: SimContext, url: URL, nsg: NsgRecord): Response {
  const skip = Number(url.searchParams.get('$skipToken') ?? '0') || 0;
  const rules = [...nsg.rules.values()];
  const page = rules.slice(skip, skip + ctx.pageSize).map((r) => ruleJson(ctx.state, nsg, r));
  const body: Record<string, unknown> = { value: page };
  if (skip + ctx.pageSize < rules.length) {
    const next = new URL(url.pathname, ctx.origin);
    next.searchParams.set('api-version', ctx.apiVersion);
    next.searchParams.set('$skipToken', String(skip + ctx.pageSize));
    body.nextLink = next.toString();
  }
  return armResponse(200, body);
}
