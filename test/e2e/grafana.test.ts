/** The Grafana dashboard in the repo only queries metrics the service exports (and uses every family it should). */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ServiceMetrics } from '../../src/metrics/registry.ts';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';

const dashboard = JSON.parse(readFileSync('docs/grafana/portcullis.json', 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };

describe('docs/grafana/portcullis.json', () => {
  it('names only exported metrics in every query', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-grafana-'));
    const sqlite = createSqliteStore(join(dir, 'p.db'), () => 0);
    const metrics = new ServiceMetrics({ store: sqlite.store, connectors: new Map(), now: () => 0 });
    const exported = await metrics.exportedNames();
    sqlite.close();
    rmSync(dir, { recursive: true, force: true });
    const queried = new Set<string>();
    for (const panel of dashboard.panels) {
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const { expr } of panel.targets) {
        const names = expr.match(/\bportcullis_[a-z_]+\b/g) ?? [];
        expect(names.length, `${panel.title}: ${expr}`).toBeGreaterThan(0);
        for (const name of names) {
          expect(exported.has(name), `${panel.title}: ${name} is not exported`).toBe(true);
          queried.add(name.replace(/_(bucket|sum|count)$/, ''));
        }
      }
    }
    // Every metric family the service exports is on the dashboard.
    const families = [...exported].filter((n) => !/_(bucket|sum|count)$/.test(n) || !exported.has(n.replace(/_(bucket|sum|count)$/, '')));
    expect(families.filter((f) => !queried.has(f))).toEqual([]);
  });
});
