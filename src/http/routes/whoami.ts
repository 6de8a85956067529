import { z } from '@hono/zod-openapi';
import { type RouteModule, signedRoute } from '../route.ts';
import { problems, readErrors } from './openapi-meta.ts';

const whoami = signedRoute({ scope: 'runs:read', mutating: false }, {
  method: 'get',
  path: '/v1/whoami',
  operationId: 'whoami',
  tags: ['operations'],
  summary: 'The calling client and its scopes (to check a signer or a token)',
  responses: {
    200: {
      description: 'The authenticated client',
      content: {
        'application/json': {
          schema: z.object({ client: z.string(), scopes: z.array(z.string()), auth: z.enum(['signature', 'token', 'session']) }),
          example: { client: 'soar', scopes: ['block', 'unblock', 'runs:read'], auth: 'signature' },
        },
      },
    },
    ...problems(readErrors()),
  },
});

export const registerWhoami: RouteModule = (app) => {
  app.openapi(whoami, (c) => {
    const client = c.get('client');
    if (!client) throw new Error('authenticate() ran without setting a client');
    return c.json(
      {
        client: client.id,
        scopes: [...client.scopes],
        auth: c.get('operator') ? ('session' as const) : c.get('webhookId') ? ('signature' as const) : ('token' as const),
      },
      200,
    );
  });
};
