import { armError, armResponse, ruleJson } from './arm-json.ts';
import { operationUrls, type SimContext } from './context.ts';
import { checkRule, checkRuleName, parseRuleProperties, prefixCount } from './rule-checks.ts';
import { newEtag, type NsgRecord } from './state.ts';

function ruleId(ctx: SimContext, nsg: NsgRecord, name: string): string {
  return `${ctx.state.nsgId(nsg)}/securityRules/${name}`;
}

function refuse(refusal: { code: string; message: string }): Response {
  return armError(400, refusal.code, refusal.message);
}

/** Two writes on one NSG overlap: NRP answers the second with AnotherOperationInProgress. */
function overlap(ctx: SimContext, nsg: NsgRecord): Response | undefined {
  const busy = ctx.operations.busy(nsg);
  if (!busy) return undefined;
  ctx.stats.overlaps++;
  return armError(
    409,
    'AnotherOperationInProgress',
    `Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: ${operationUrls(ctx, busy.id).asyncOperation}.`,
  );
}

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
  const busy = overlap(ctx, nsg);
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
      // Code UNVERIFIED: the limit (4,000 per NSG, per side) is documented; no captured payload was found.
      return refuse({
        code: 'SecurityRuleAddressPrefixesLimitReached',
        message: `Network security group ${ctx.state.nsgId(nsg)} has ${total} ${side} address prefixes; the limit is ${ctx.quotas.prefixesPerNsg}.`,
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
  if (!existing) return armResponse(204, undefined, ctx.faults.remainingWrites());
  const busy = overlap(ctx, nsg);
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
