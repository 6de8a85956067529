import type { ConnectorRegistry } from '../connectors/registry.ts';
import { ConfigError } from './parse.ts';
import type { Config } from './schema.ts';

/** Rules that span keys: the sandbox demo secret, connector blocks, unique ids. */
export function checkConfigRules(config: Config, file: string, registry?: ConnectorRegistry): void {
  const problems: { path: string; message: string }[] = [];
  const inline = config.clients.flatMap((c, i) =>
    c.secrets.some((s) => 'sandboxValue' in s) ? [`clients[${i}].secrets`] : [],
  );
  const real = config.connectors.filter((c) => !c.simulator);
  for (const path of inline) {
    if (!config.sandbox) {
      problems.push({ path, message: 'an inline sandboxValue secret is only allowed with sandbox: true; use { env: NAME } or { file: PATH }' });
    } else if (real.length) {
      problems.push({
        path,
        message: `the sandbox demo secret cannot be configured alongside real connectors (${real.map((c) => c.id).join(', ')}); use { env: NAME } or { file: PATH }`,
      });
    }
  }
  const seen = new Set<string>();
  config.connectors.forEach((block, i) => {
    if (seen.has(block.id)) problems.push({ path: `connectors[${i}].id`, message: `duplicate connector id ${block.id}` });
    seen.add(block.id);
    const { id: _id, type, simulator: _sim, ...rest } = block;
    const result = registry?.[type]?.configSchema.safeParse(rest);
    if (result && !result.success) {
      for (const issue of result.error.issues) {
        problems.push({ path: `connectors[${i}].${issue.path.join('.')}`, message: issue.message });
      }
    }
  });
  if (problems.length) throw new ConfigError(file, problems);
}
