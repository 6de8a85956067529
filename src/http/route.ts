/**
 * The app's and the route modules' shared types, and the one way to declare a signed route: a leaf
 * for the route files (they import this, never src/app.ts). A signed route is declared once, with
 * `signedRoute`: that gives its OpenAPI route (security requirement and authenticate middleware
 * included) and, read back from the router by `signedRoutesOf`, the entry the generated security
 * suite (test/edge/security.test.ts) attacks.
 */
import { type OpenAPIHono, type RouteConfig, createRoute } from '@hono/zod-openapi';
import { type AuthRequirement, authRequirementOf, authenticate } from './auth.ts';
import type { AppEnv } from './env.ts';
import { signedOnlySecurity, signedSecurity } from './routes/security.ts';

export type App = OpenAPIHono<AppEnv>;

/** Extra route modules (the playbook/run API, audit API...) plug in here, each registering its routes. */
export type RouteModule = (app: App) => void;

/** A route that requires authentication, as registered (the security suite is generated from this list). */
export interface SignedRouteInfo {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI-style path, e.g. /v1/playbooks/{name}/runs. */
  path: string;
  requirement: AuthRequirement;
}

/**
 * A route that needs authentication: `createRoute` with the requirement's middleware and its OpenAPI
 * security (mutating calls are signed only; reads also take a bearer token).
 */
export function signedRoute<P extends string, R extends Omit<RouteConfig, 'path' | 'middleware' | 'security'> & { path: P }>(auth: AuthRequirement, config: R) {
  return createRoute({
    ...config,
    security: auth.mutating ? signedOnlySecurity : signedSecurity,
    middleware: [authenticate(auth)] as const,
  });
}

/**
 * The app's signed routes: every route whose handlers include a middleware made by authenticate(),
 * read from the router itself (so what is listed is what is enforced), with OpenAPI-style paths.
 */
export function signedRoutesOf(app: App): SignedRouteInfo[] {
  return app.routes.flatMap(({ method, path, handler }) => {
    const requirement = authRequirementOf(handler);
    if (!requirement) return [];
    return [{ method: method.toLowerCase() as SignedRouteInfo['method'], path: path.replace(/:([^/]+)/g, '{$1}'), requirement }];
  });
}
