import { http, type RequestHandler } from 'msw';
import type { Simulator } from '../../../src/connectors/simulator.ts';

/** msw handlers that route the connector's fetch calls (every origin the simulator serves) into it. */
export function mswHandlers(sim: Simulator, origins: string[] = sim.origins): RequestHandler[] {
  return origins.map((origin) => http.all(`${origin}/*`, ({ request }) => sim.fetch(request)));
}
