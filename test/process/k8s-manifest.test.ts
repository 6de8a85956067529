/**
 * Issue 13 item 5: the Kubernetes manifest (deploy/k8s/portcullis.yaml) is consistent with the service:
 * its config parses as `serve` parses it, the database URL reaches it only as a secret, the probes
 * point at the liveness and readiness routes on the port the config listens on, and three replicas run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseConfig } from '../../src/config/parse.ts';
import { REPO_ROOT } from '../support/process.ts';

type Doc = { kind: string; metadata: { name: string }; [k: string]: unknown };
const docs = parseAllDocuments(readFileSync(join(REPO_ROOT, 'deploy/k8s/portcullis.yaml'), 'utf8')).map((d) => d.toJS() as Doc);
// biome-ignore lint/suspicious/noExplicitAny: a Kubernetes object read field by field; each field is asserted below
const byKind = (kind: string) => docs.find((d) => d.kind === kind) as Doc & Record<string, any>;

it('runs three replicas on one PostgreSQL database whose URL is a Secret, with liveness and readiness probes', () => {
  const configText = byKind('ConfigMap').data['portcullis.config.yaml'] as string;
  const config = parseConfig(configText, 'deploy/k8s ConfigMap');
  expect(config.store?.postgres?.url).toEqual({ env: 'DATABASE_URL' });
  expect(configText).not.toMatch(/postgres:\/\//); // the URL (and its password) only in the Secret
  const secret = byKind('Secret').stringData as Record<string, string>;
  expect(Object.keys(secret)).toEqual(expect.arrayContaining(['DATABASE_URL', 'SOAR_SECRET', 'AUDIT_SIGNING_KEY']));

  const deployment = byKind('Deployment');
  expect(deployment.spec.replicas).toBe(3);
  const container = deployment.spec.template.spec.containers[0];
  expect(container.envFrom).toEqual([{ secretRef: { name: byKind('Secret').metadata.name } }]);
  const http = container.ports.find((p: { name: string }) => p.name === 'http');
  expect(http.containerPort).toBe(config.listen.port);
  expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
  expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
  // The config is mounted where the image's PORTCULLIS_CONFIG points (see the Dockerfile).
  const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const configPath = /PORTCULLIS_CONFIG=(\S+)/.exec(dockerfile)?.[1] ?? '';
  const mount = container.volumeMounts.find((m: { name: string }) => m.name === 'config');
  expect(configPath.startsWith(`${mount.mountPath}/`)).toBe(true);
  // A killed replica's leases lapse after leaseTtlSeconds; the grace period lets a clean stop release them.
  expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(config.reconcile.leaseTtlSeconds);
  expect(byKind('Service').spec.selector).toEqual(deployment.spec.selector.matchLabels);
});
