import { http } from 'msw';
import type { Simulator } from '../../../src/connectors/simulator.ts';

/** msw handlers that route every request to the simulator's origins into its fetch handler. */
export function mswHandlers(sim: Pick<Simulator, 'fetch' | 'origins'>) {
  return sim.origins.map((origin) => http.all(`${origin}/*`, ({ request }) => sim.fetch(request)));
}
