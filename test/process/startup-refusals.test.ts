/**
 * Issue 2 item 11: `portcullis serve` refuses to start, with a non-zero exit and a message that says
 * why, when the config is unsafe (the sandbox demo secret next to a real connector) or invalid (the
 * file, the key path and the line).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { cleanUp, freePort, runCliToExit, tempDir } from '../support/process.ts';
import { sandboxConfig } from './sandbox-config.ts';

afterAll(cleanUp);

/** Writes a variant of the sandbox config and runs `serve` on it until it exits. */
async function serveWith(edit: (text: string) => string) {
  const dir = tempDir();
  const configPath = join(dir, 'portcullis.config.yaml');
  const port = await freePort();
  const text = edit(sandboxConfig(join(dir, 'data'), port));
  writeFileSync(configPath, text);
  const exit = await runCliToExit(['serve', '--config', configPath], {}, 25_000);
  return { ...exit, configPath, text };
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe.concurrent('serve refuses to start', () => {
  it('with the sandbox demo secret next to a connector that is not simulated', async ({ expect }) => {
    const { code, output, configPath } = await serveWith((t) => t.replace('simulator: true', 'simulator: false'));
    expect(code, output).not.toBe(0);
    expect(output).toContain(configPath);
    expect(output).toContain('clients[0].secrets');
    expect(output).toMatch(/sandbox demo secret cannot be configured alongside real connectors \(aws-sandbox\)/);
    expect(output).not.toContain('portcullis listening');
  });

  it('with a bad top-level value: names the file, the key path and the line', async ({ expect }) => {
    const { code, output, configPath, text } = await serveWith((t) => t.replace(/port: \d+ \}/, 'port: eighty }'));
    expect(code, output).toBe(1);
    expect(output).toContain(`${configPath}: invalid configuration`);
    expect(output).toContain(`listen.port (line ${lineOf(text, 'port: eighty')})`);
  });

  it('with a bad value inside a connector block: names the file, the key path and the line', async ({ expect }) => {
    const { code, output, configPath, text } = await serveWith((t) => t.replace('region: us-east-1', 'region: us-east'));
    expect(code, output).toBe(1);
    expect(output).toContain(`${configPath}: invalid configuration`);
    // The connector's own schema checks this block; the line must still be reported (src/config/rules.ts).
    expect(output).toContain(`connectors[0].region (line ${lineOf(text, 'region: us-east')})`);
  });
});
