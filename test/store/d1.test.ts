import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { type D1Like, createD1Store } from '../../src/store/d1/index.ts';
import { migrationsDir } from '../../src/store/sqlite/index.ts';
import { runStoreContract } from './contract.ts';

/** D1 for real: Miniflare runs workerd locally and hands the D1 binding to this Node process. */
runStoreContract({
  name: 'D1 (workerd via Miniflare)',
  async open(now) {
    const mf = new Miniflare({
      modules: true,
      script: 'export default { fetch() { return new Response("ok"); } }',
      d1Databases: { DB: `test-${crypto.randomUUID()}` },
    });
    const db = (await mf.getD1Database('DB')) as unknown as D1Like & { exec(sql: string): Promise<unknown> };
    for (const name of readdirSync(migrationsDir).filter((f) => f.endsWith('.sql')).sort()) {
      const text = readFileSync(join(migrationsDir, name), 'utf8');
      // D1's exec() takes one statement per line; run statement by statement instead.
      for (const statement of splitStatements(text)) await db.prepare(statement).all();
    }
    return { store: createD1Store(db, now), close: () => mf.dispose() };
  },
});

function splitStatements(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
}
