/** A bad policy folder stops start-up with the file, the line and Cedar's message. */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/parse.ts';
import { loadPolicies } from '../../src/policy/index.ts';

const SHIPPED = join(import.meta.dirname, '../../playbooks/policies');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-policies-'));
  copyFileSync(join(SHIPPED, 'portcullis.cedarschema'), join(dir, 'portcullis.cedarschema'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function loadError(text: string, tiers = ['web']): ConfigError {
  writeFileSync(join(dir, 'bad.cedar'), text);
  try {
    loadPolicies(dir, tiers);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('load', () => {
  it('loads the shipped folder with ids, files and lines', () => {
    const bundle = loadPolicies(SHIPPED, []);
    expect(bundle.policies.map((p) => [p.id, p.effect])).toEqual([
      ['web-ports-to-known-tier', 'permit'],
      ['internal-web-ports-to-known-tier', 'permit'],
      ['revoke-is-safe', 'permit'],
      ['deny-internet-admin-ports', 'forbid'],
      ['deny-internet-database-ports', 'forbid'],
    ]);
    expect(bundle.policies.every((p) => p.line > 1 && p.reason.length > 10)).toBe(true);
  });

  it('names the file and line of a syntax error', () => {
    const error = loadError('// ok\n@id("x")\npermit (principal, action, resource)\nwhen { context.portFrom == };\n');
    expect(error.file).toBe(join(dir, 'bad.cedar'));
    expect(error.problems[0]?.line).toBe(4);
    expect(error.message).toMatch(/unexpected token/);
  });

  it('names the file and line of an attribute the schema does not declare', () => {
    const error = loadError('@id("x")\npermit (principal, action, resource)\nwhen {\n  context.sourcePort == 22\n};\n');
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]?.line).toBe(4);
    expect(error.problems[0]?.message).toMatch(/sourcePort/);
  });

  it('refuses a type error (a string compared with a number)', () => {
    expect(loadError('@id("x")\npermit (principal, action, resource) when { context.protocol > 3 };').message).toMatch(/bad\.cedar/);
  });

  it('requires @id and refuses a duplicate id across files', () => {
    expect(loadError('permit (principal, action, resource);').message).toMatch(/needs an @id/);
    writeFileSync(join(dir, 'a.cedar'), '@id("same")\npermit (principal, action, resource);');
    expect(loadError('\n\n@id("same")\nforbid (principal, action, resource);').message).toMatch(/line 3.*already used in a\.cedar:1/s);
  });

  it('refuses a tier the config does not declare', () => {
    const error = loadError('@id("x")\npermit (principal, action, resource == Portcullis::Tier::"payments");');
    expect(error.message).toMatch(/names tier "payments", which the config does not declare \(known: web\)/);
    writeFileSync(join(dir, 'bad.cedar'), '@id("x")\npermit (principal, action, resource == Portcullis::Tier::"web");');
    expect(loadPolicies(dir, ['web']).policies).toHaveLength(1);
  });

  it('needs exactly one schema file', () => {
    rmSync(join(dir, 'portcullis.cedarschema'));
    expect(() => loadPolicies(dir, [])).toThrow(/expected exactly one \*\.cedarschema file, found none/);
  });

  it('reports a broken schema with its line', () => {
    writeFileSync(join(dir, 'portcullis.cedarschema'), 'namespace Portcullis {\n  entity Client\n  entity ;\n}\n');
    expect(() => loadPolicies(dir, [])).toThrow(/portcullis\.cedarschema/);
  });
});
