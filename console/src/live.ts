import { useEffect, useState } from 'preact/hooks';

/**
 * Live updates over server-sent events: /console/api/events sends `audit` whenever the audit log moves
 * (every state change is audited), so pages refetch on each tick instead of polling on a timer.
 */
const listeners = new Set<(tick: number) => void>();
let tick = 0;
let source: EventSource | undefined;

export function startLiveUpdates(onSessionEnd: () => void): () => void {
  source = new EventSource('/console/api/events');
  source.addEventListener('audit', () => {
    tick += 1;
    for (const l of listeners) l(tick);
  });
  source.addEventListener('session', () => {
    source?.close();
    onSessionEnd();
  });
  return () => source?.close();
}

/** A number that changes whenever something changed on the server. */
export function useLiveTick(): number {
  const [value, setValue] = useState(tick);
  useEffect(() => {
    listeners.add(setValue);
    return () => {
      listeners.delete(setValue);
    };
  }, []);
  return value;
}
