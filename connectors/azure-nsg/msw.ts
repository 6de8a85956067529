import { http } from 'msw';
import type { Simulator } from '../../src/connectors/simulator.ts';

/** msw handlers routing the SDK's ARM traffic into the simulator (use with onUnhandledFrame: 'error'). */
export function mswHandlers(sim: Pick<Simulator, 'fetch' | 'origins'>) {
  return sim.origins.map((origin) => http.all(`${origin}/*`, ({ request }) => sim.fetch(request)));
}
