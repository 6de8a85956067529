import { sha256Hex } from '../audit/chain.ts';
import type { ClientConfig, Scope } from '../config/schema.ts';
import { type SecretSource, resolveSecret } from '../config/secret.ts';
import { type HmacKey, importHmacKey, timingSafeEqual } from './signature.ts';

/** A client as the edge sees it: keys imported once, tokens only as hashes. Secrets are not kept. */
export interface Client {
  id: string;
  scopes: ReadonlySet<Scope>;
  keys: HmacKey[];
  tokenHashes: Uint8Array[];
}

export function hasScope(client: Client, scope: Scope): boolean {
  return client.scopes.has('admin') || client.scopes.has(scope);
}

const hexBytes = (hex: string): Uint8Array => new Uint8Array(hex.match(/../g)?.map((b) => Number.parseInt(b, 16)) ?? []);

export class ClientRegistry {
  private readonly clients: Map<string, Client>;
  private constructor(clients: Map<string, Client>) {
    this.clients = clients;
  }

  static async build(configs: ClientConfig[], source: SecretSource): Promise<ClientRegistry> {
    const clients = new Map<string, Client>();
    for (const c of configs) {
      if (clients.has(c.id)) throw new Error(`clients: duplicate client id ${c.id}`);
      const keys: HmacKey[] = [];
      for (const [i, ref] of c.secrets.entries()) {
        const secret = 'sandboxValue' in ref ? ref.sandboxValue : resolveSecret(ref, source);
        try {
          keys.push(await importHmacKey(secret));
        } catch (error) {
          throw new Error(`clients[${c.id}].secrets[${i}]: ${(error as Error).message}`);
        }
      }
      const tokenHashes: Uint8Array[] = [];
      for (const ref of c.tokens) {
        tokenHashes.push(hexBytes('sha256' in ref ? ref.sha256 : await sha256Hex(resolveSecret(ref, source))));
      }
      clients.set(c.id, {
        id: c.id,
        scopes: new Set(c.scopes),
        keys,
        tokenHashes,
      });
    }
    return new ClientRegistry(clients);
  }

  get(id: string): Client | undefined {
    return this.clients.get(id);
  }

  /** Finds the client owning a bearer token by comparing SHA-256 hashes in constant time, over all tokens. */
  async byToken(token: string): Promise<Client | undefined> {
    const hash = hexBytes(await sha256Hex(token));
    let found: Client | undefined;
    for (const client of this.clients.values()) {
      for (const candidate of client.tokenHashes) if (timingSafeEqual(hash, candidate)) found = client;
    }
    return found;
  }

  list(): Client[] {
    return [...this.clients.values()];
  }
}
