/**
 * Builds the Hono app from injected services. Runtime-free: no node:*, no process, no native
 * modules; Web Crypto and fetch only. src/node.ts and src/worker.ts choose the parts.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { edge, onError } from './http/edge.ts';
import type { AppEnv } from './http/env.ts';
import { Problem } from './http/problem.ts';
import { RefusalTracker } from './http/refusals.ts';
import { type App, type RouteModule, type SignedRouteInfo, signedRoutesOf } from './http/route.ts';
import { registerAnalysis } from './http/routes/analysis.ts';
import { registerApprovals } from './http/routes/approvals.ts';
import { registerConnectors } from './http/routes/connectors.ts';
import { registerAudit } from './http/routes/audit.ts';
import { registerDocs } from './http/routes/docs.ts';
import { registerHealth } from './http/routes/health.ts';
import { registerPlaybooks } from './http/routes/playbooks.ts';
import { registerReports } from './http/routes/reports.ts';
import { registerRunPreview } from './http/routes/run-preview.ts';
import { registerRunReads } from './http/routes/run-reads.ts';
import { registerRuns } from './http/routes/runs.ts';
import { registerWhoami } from './http/routes/whoami.ts';
import { validationHook } from './http/validation.ts';
import type { Services } from './services.ts';

export function buildApp(services: Services, modules: RouteModule[] = []): { app: App; signedRoutes: SignedRouteInfo[] } {
  const app: App = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  services.refusals ??= new RefusalTracker({ limit: services.settings.refusalsPerMinute ?? 60, windowMs: 60_000 });

  app.use('*', async (c, next) => {
    c.set('services', services);
    await next();
  });
  app.use('*', edge());
  app.use(
    '*',
    bodyLimit({
      maxSize: services.settings.bodyBytes,
      onError: () => {
        throw new Problem(
          'payload_too_large',
          `the body exceeds ${services.settings.bodyBytes} bytes (limits.bodyBytes); send fewer indicators per call`,
          { limit_bytes: services.settings.bodyBytes },
        );
      },
    }),
  );
  app.onError(onError);
  app.notFound((c) => {
    throw new Problem('not_found', `no route ${c.req.method} ${c.req.path}; see /openapi.json`);
  });

  registerHealth(app);
  registerWhoami(app);
  registerPlaybooks(app);
  registerRuns(app);
  registerRunReads(app);
  registerRunPreview(app);
  registerAudit(app);
  registerApprovals(app);
  registerAnalysis(app);
  registerConnectors(app);
  registerReports(app);
  for (const register of modules) register(app);
  registerDocs(app, services);
  return { app, signedRoutes: signedRoutesOf(app) };
}
