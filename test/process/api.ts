/** Talks to a real portcullis process over HTTP: signed playbook runs and bearer-token reads. */
import { signedInit } from '../support/sign.ts';

export interface RunJson {
  id: string;
  status: string;
  targets: { connector: string; target: string; state: string; intents: number; errors: string[] }[];
}

export interface BlockJson {
  cidr: string;
  direction: string;
  targets: { connector: string; target: string; state: string; error: string | null; chain?: string | null; points?: string[] }[];
}

export interface ApiClient {
  /** POST /v1/playbooks/block-ip/runs for the given indicators, signed now. */
  block(indicators: string | string[], headers?: Record<string, string>): Promise<Response>;
  /** A GET with the client's bearer token, parsed as JSON (throws on a non-200 answer). */
  read<T>(path: string): Promise<T>;
  blocks(): Promise<BlockJson[]>;
}

export function apiClient(url: () => string, client: { id: string; secret: string; token: string }): ApiClient {
  const api: ApiClient = {
    block(indicators, headers = {}) {
      const body = JSON.stringify({ playbook: 'block-ip', inputs: { indicators } });
      return fetch(`${url()}/v1/playbooks/block-ip/runs`, signedInit({ clientId: client.id, secret: client.secret, body, nowMs: Date.now(), headers }));
    },
    async read<T>(path: string): Promise<T> {
      const response = await fetch(`${url()}${path}`, { headers: { authorization: `Bearer ${client.token}` } });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${text.slice(0, 500)}`);
      return JSON.parse(text) as T;
    },
    async blocks() {
      const out: BlockJson[] = [];
      for (let path: string | null = '/v1/blocks?limit=1000'; path; ) {
        const page: { blocks: BlockJson[]; next: string | null } = await api.read(path);
        out.push(...page.blocks);
        path = page.next;
      }
      return out;
    },
  };
  return api;
}
