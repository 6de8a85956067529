import { z } from '@hono/zod-openapi';
import { type RouteModule, signedRoute } from '../route.ts';
import { actionInputs } from '../../playbooks/inputs.ts';
import { DEFAULT_SCOPE } from '../../playbooks/schema.ts';
import { problems, readErrors } from './openapi-meta.ts';

const listPlaybooks = signedRoute({ scope: 'runs:read', mutating: false }, {
  method: 'get',
  path: '/v1/playbooks',
  operationId: 'listPlaybooks',
  tags: ['runs'],
  summary: 'The playbooks this service runs: action, inputs, targets, approval mode and scope',
  responses: {
    200: {
      description: 'Playbooks, by name',
      content: {
        'application/json': {
          schema: z.object({
            playbooks: z.array(
              z.object({
                name: z.string(),
                description: z.string(),
                action: z.string(),
                scope: z.string(),
                approval: z.string(),
                inputs: z.array(z.string()),
                targets: z.array(z.object({ connector: z.string(), target: z.string() })),
              }),
            ),
          }),
          example: {
            playbooks: [
              {
                name: 'block-ip',
                description: 'Deny traffic from (and/or to) the given addresses on every edge target until the ttl ends.',
                action: 'block',
                scope: 'block',
                approval: 'auto',
                inputs: ['indicators', 'ttl', 'direction', 'protocol', 'reason', 'incident_id'],
                targets: [{ connector: 'aws-sandbox', target: 'edge' }],
              },
            ],
          },
        },
      },
    },
    ...problems(readErrors()),
  },
});

/** GET /v1/playbooks: what a SOAR author needs to call a playbook (no guardrail ranges: those stay internal). */
export const registerPlaybooks: RouteModule = (app) => {
  app.openapi(listPlaybooks, (c) => {
    const playbooks = [...(c.get('services').runtime?.playbooks.values() ?? [])].map((p) => ({
      name: p.name,
      description: p.description,
      action: p.action,
      scope: p.scope ?? DEFAULT_SCOPE[p.action],
      approval: p.approval,
      inputs: p.inputs ?? Object.keys(actionInputs[p.action].shape),
      targets: p.targets,
    }));
    return c.json({ playbooks }, 200);
  });
};
