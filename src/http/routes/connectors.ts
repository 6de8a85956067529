import { z } from '@hono/zod-openapi';
import { type RouteModule, signedRoute } from '../route.ts';
import { runMutation } from '../admission.ts';
import { Problem } from '../problem.ts';
import { mutationErrors, problems, readErrors } from './openapi-meta.ts';

const connectorSchema = z.object({ id: z.string(), type: z.string(), targets: z.array(z.string()) });

const listConnectors = signedRoute({ scope: 'runs:read', mutating: false }, {
  method: 'get',
  path: '/v1/connectors',
  operationId: 'listConnectors',
  tags: ['connectors'],
  summary: 'Configured connectors and their targets',
  responses: {
    200: {
      description: 'Connectors',
      content: {
        'application/json': {
          schema: z.object({ connectors: z.array(connectorSchema) }),
          example: { connectors: [{ id: 'aws-sandbox', type: 'aws-ec2', targets: ['edge'] }] },
        },
      },
    },
    ...problems(readErrors()),
  },
});

const checkConnector = signedRoute({ scope: 'admin', mutating: true }, {
  method: 'post',
  path: '/v1/connectors/{id}/check',
  operationId: 'checkConnector',
  tags: ['connectors'],
  summary: "Checks a connector's credentials and permissions on each target (e.g. EC2 DryRun)",
  description: 'Calls the cloud (reads and dry runs only, nothing changes); audited. Body: {"connector": "<id>"}.',
  request: {
    params: z.object({ id: z.string().max(63) }),
    body: { content: { 'application/json': { schema: z.object({ connector: z.string() }).strict(), example: { connector: 'aws-sandbox' } } }, required: true },
  },
  responses: {
    200: {
      description: 'Per target: ok and each check',
      content: {
        'application/json': {
          schema: z.object({
            connector: z.string(),
            ok: z.boolean(),
            targets: z.array(z.object({ target: z.string(), ok: z.boolean(), checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string().optional() })) })),
          }),
          example: {
            connector: 'aws-sandbox',
            ok: true,
            targets: [{ target: 'edge', ok: true, checks: [{ name: 'ec2:AuthorizeSecurityGroupIngress', ok: true, detail: 'DryRunOperation' }] }],
          },
        },
      },
    },
    ...problems([...mutationErrors(), 404], { 404: 'No such connector' }),
  },
});

export const registerConnectors: RouteModule = (app) => {
  app.openapi(listConnectors, (c) => {
    const connectors = [...(c.get('services').runtime?.connectors.values() ?? [])].map((k) => ({ id: k.id, type: k.type, targets: k.targets() }));
    return c.json({ connectors }, 200);
  });
  app.openapi(checkConnector, async (c) => {
    const { id } = c.req.valid('param');
    if (c.req.valid('json').connector !== id) {
      throw new Problem('validation_failed', `connector: the body names "${c.req.valid('json').connector}" but the path names "${id}"; they must match`);
    }
    const connector = c.get('services').runtime?.connectors.get(id);
    if (!connector) throw new Problem('not_found', `no connector "${id}"`);
    return runMutation(c, async () => {
      const targets = await Promise.all(connector.targets().map(async (target) => ({ target, ...(await connector.check(target)) })));
      const ok = targets.every((t) => t.ok);
      return {
        status: 200,
        body: { connector: id, ok, targets },
        work: {
          audit: [
            {
              action: 'connector.checked',
              outcome: ok ? 'success' : 'failure',
              clientId: c.get('client')?.id,
              requestId: c.get('requestId'),
              target: id,
              detail: { targets: targets.map((t) => ({ target: t.target, ok: t.ok, failed: t.checks.filter((k) => !k.ok).map((k) => k.name) })) },
            },
          ],
        },
      };
    });
  });
};
