/**
 * Real time plus an offset the test moves forward, for in-process servers whose timers must keep
 * running (a browser talks to them) while sessions and expiries age on demand.
 */
export class ShiftedClock {
  private offset = 0;
  now = (): number => Date.now() + this.offset;
  sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  advance(ms: number): void {
    this.offset += ms;
  }
}
