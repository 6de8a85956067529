/**
 * Issue 17 item 3: the Tines story (integrations/tines/portcullis-block-ip.json).
 * - Its shape is the story export Tines itself produces and imports: the fields and types of the
 *   export in Tines' own Go SDK (github.com/tines/go-sdk, tines/stories_test.go testExportStoryResp and
 *   tines/testdata/test-import.json, "sanitized API response value as of 2025-02-03"), checked strictly
 *   (no missing field, no unknown field), with links and the diagram layout consistent with the agents.
 * - Its logic runs against a real `portcullis serve`: test/integrations/standins/tines/story-runner.ts
 *   evaluates the story's formulas (only documented Tines functions) and sends its HTTP request, which
 *   portcullis verifies like any signed call.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TOKEN, sandboxConfig } from '../process/sandbox-config.ts';
import { REPO_ROOT, type ServerProcess, cleanUp, startServer, tempDir } from '../support/process.ts';
import { secretFromText } from '../support/sign.ts';
import { type Story, runAgent, runStory, slugOf } from './standins/tines/story-runner.ts';

const STORY_PATH = join(REPO_ROOT, 'integrations/tines/portcullis-block-ip.json');
const story = JSON.parse(readFileSync(STORY_PATH, 'utf8')) as Story & Record<string, unknown>;

const guid = z.string().regex(/^[0-9a-f]{32}$/);
const agentSchema = z
  .object({
    type: z.enum(['Agents::WebhookAgent', 'Agents::EventTransformationAgent', 'Agents::HTTPRequestAgent']),
    name: z.string().min(1),
    disabled: z.boolean(),
    description: z.string().nullable(),
    guid,
    options: z.record(z.string(), z.unknown()),
    reporting: z.object({ time_saved_value: z.number(), time_saved_unit: z.string() }).strict(),
    monitoring: z.object({ monitor_all_events: z.boolean(), monitor_failures: z.boolean(), monitor_no_events_emitted: z.null() }).strict(),
    template: z.object({ created_from_template_guid: z.null(), created_from_template_version: z.null(), template_tags: z.array(z.string()) }).strict(),
    width: z.null(),
    // Present on every action but the webhook in the reference export.
    schedule: z.null().optional(),
  })
  .strict();
/** The story export as Tines' Go SDK fixture has it (origin_story_identifier is tenant-specific and optional). */
const exportSchema = z
  .object({
    schema_version: z.number().int(),
    standard_lib_version: z.number().int(),
    action_runtime_version: z.number().int(),
    name: z.string(),
    description: z.string().nullable(),
    guid,
    slug: z.string(),
    agents: z.array(agentSchema).min(1),
    diagram_notes: z.array(z.unknown()),
    links: z.array(z.object({ source: z.number().int(), receiver: z.number().int() }).strict()),
    diagram_layout: z.string(),
    send_to_story_enabled: z.boolean(),
    entry_agent_guid: z.null(),
    exit_agent_guids: z.array(z.string()),
    exit_agent_guid: z.null(),
    api_entry_action_guids: z.array(z.string()),
    api_exit_action_guids: z.array(z.string()),
    keep_events_for: z.number().int(),
    reporting_status: z.boolean(),
    send_to_story_access: z.null(),
    story_library_metadata: z.object({}).strict(),
    parent_only_send_to_story: z.boolean(),
    monitor_failures: z.boolean(),
    send_to_stories: z.array(z.unknown()),
    synchronous_webhooks_enabled: z.boolean(),
    send_to_story_access_source: z.number().int(),
    send_to_story_skill_use_requires_confirmation: z.boolean(),
    pages: z.array(z.unknown()),
    tags: z.array(z.unknown()),
    time_saved_unit: z.string(),
    time_saved_value: z.number(),
    origin_story_identifier: z.string().optional(),
    integration_product: z.null(),
    integration_vendor: z.null(),
    llm_product_instructions: z.string(),
    exported_at: z.iso.datetime(),
    icon: z.string(),
    integrations: z.array(z.unknown()),
  })
  .strict();

describe('Tines story export (shape)', () => {
  it('is a story export in the shape Tines exports and imports', () => {
    const parsed = exportSchema.safeParse(story);
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it('has consistent links, guids, layout and slug; a webhook entry and one path to the portcullis call', () => {
    const guids = story.agents.map((a) => a.guid);
    expect(new Set(guids).size).toBe(guids.length);
    for (const l of story.links) {
      expect(story.agents[l.source], `link source ${l.source}`).toBeDefined();
      expect(story.agents[l.receiver], `link receiver ${l.receiver}`).toBeDefined();
    }
    expect(Object.keys(JSON.parse(String(story.diagram_layout)) as object).sort()).toEqual([...guids].sort());
    expect(story.slug).toBe(slugOf(String(story.name)));
    expect(story.agents[0]).toMatchObject({ type: 'Agents::WebhookAgent', options: { verbs: 'post' } });
    expect(story.agents.at(-1)).toMatchObject({ type: 'Agents::HTTPRequestAgent', options: { method: 'post' } });
    // The signing key is a Tines credential, never a literal in the export.
    expect(JSON.stringify(story)).not.toMatch(/whsec_[A-Za-z0-9+/]{8,}/);
    expect(JSON.stringify(story)).toContain('CREDENTIAL.portcullis_signing_key');
  });
});

describe('Tines story against a live portcullis', () => {
  // Tines' HMAC functions take the key as text: the client's whsec_ secret is the base64 of that text.
  const KEY = `tines-${'7f3a9c1e5b2d4f60'.repeat(2)}`;
  let server: ServerProcess;
  beforeAll(async () => {
    const dir = tempDir();
    const client = `clients:\n  - id: tines\n    scopes: [block, runs:read]\n    secrets:\n      - sandboxValue: ${secretFromText(KEY)}\n`;
    server = await startServer({ dir, config: (port) => sandboxConfig(join(dir, 'data'), port).replace('clients:\n', client) });
  });
  afterAll(cleanUp);

  const tenant = (key: string) => ({ credentials: { portcullis_signing_key: key }, resources: { portcullis_url: server.url, portcullis_client_id: 'tines' } });
  const read = async <T>(path: string): Promise<T> => (await (await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${DEMO_TOKEN}` } })).json()) as T;
  interface Call {
    status: number;
    body: { id: string; status: string; playbook: string; code?: string };
  }

  it('blocks the address: the signed call is accepted and applied on every target', async () => {
    const event = await runStory(story, { indicator: '203.0.113.77', ttl: '1h', reason: 'tines story test' }, tenant(KEY));
    const call = event.block_in_portcullis as Call;
    expect(call.status, JSON.stringify(call.body)).toBe(200);
    expect(call.body).toMatchObject({ playbook: 'block-ip', status: 'applied' });
    const run = await read<{ id: string; status: string; inputs: { indicators: string[]; ttl: string; reason: string } }>(`/v1/runs/${call.body.id}`);
    expect(run).toMatchObject({ id: call.body.id, status: 'applied', inputs: { indicators: ['203.0.113.77'], ttl: '1h', reason: 'tines story test' } });

    // Re-running the HTTP action on the same event (a Tines retry) replays: same run, no second one.
    const last = story.agents.at(-1);
    if (!last) throw new Error('no HTTP action');
    const again = (await runAgent(last, event, tenant(KEY))) as Call;
    expect(again.body.id).toBe(call.body.id);
  });

  it('is refused with a wrong key (the signature is what portcullis trusts)', async () => {
    const event = await runStory(story, { indicator: '203.0.113.78', ttl: '1h', reason: 'wrong key' }, tenant(`${KEY}x`));
    const call = event.block_in_portcullis as Call;
    expect(call.status).toBe(401);
    expect(call.body.code).toBe('signature_invalid');
  });
});
