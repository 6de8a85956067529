/**
 * A small Cloud Storage JSON API for log sinks' buckets: objects.list (prefix, maxResults, pageToken;
 * nextPageToken) and objects.get with alt=media, as the JSON API reference documents them (cited in
 * the connector README). Errors in Google's JSON error envelope (404 notFound, 401 for no bearer token).
 */

interface StoredObject {
  body: Uint8Array;
  updated: number;
  generation: number;
}

export interface GcsSimulatorOptions {
  /** Objects per objects.list page at most (GCS: 1,000); lower it to test pagination. */
  pageSize?: number;
  clock?: { now(): number };
}

export const GCS_ORIGIN = 'https://storage.googleapis.com';

export function createGcsSimulator(options: GcsSimulatorOptions = {}) {
  const buckets = new Map<string, Map<string, StoredObject>>();
  const clock = options.clock ?? Date;
  const calls: string[] = [];
  let generation = 1_700_000_000_000_000;
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=UTF-8' } });
  const error = (status: number, reason: string, message: string) => json(status, { error: { code: status, message, errors: [{ message, domain: 'global', reason }] } });

  async function fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (!(request.headers.get('authorization') ?? '').startsWith('Bearer ')) return error(401, 'required', 'Anonymous caller does not have storage.objects.list access.');
    const match = /^\/storage\/v1\/b\/([^/]+)\/o(?:\/(.+))?$/.exec(url.pathname);
    if (!match) return error(404, 'notFound', 'Not Found');
    const bucketName = decodeURIComponent(match[1] as string);
    const bucket = buckets.get(bucketName);
    if (!bucket) return error(404, 'notFound', 'The specified bucket does not exist.');
    const q = url.searchParams;
    if (!match[2]) {
      calls.push('objects.list');
      const prefix = q.get('prefix') ?? '';
      const max = Math.min(Number(q.get('maxResults') ?? 1000) || 1000, 1000, options.pageSize ?? 1000);
      const token = q.get('pageToken');
      const after = token ? Buffer.from(token, 'base64').toString('utf8') : '';
      const names = [...bucket.keys()].filter((n) => n.startsWith(prefix) && n > after).sort();
      const page = names.slice(0, max);
      return json(200, {
        kind: 'storage#objects',
        items: page.map((name) => {
          const o = bucket.get(name) as StoredObject;
          return { kind: 'storage#object', id: `${bucketName}/${name}/${o.generation}`, name, bucket: bucketName, generation: String(o.generation), size: String(o.body.length), updated: new Date(o.updated).toISOString(), contentType: 'application/json' };
        }),
        ...(names.length > page.length ? { nextPageToken: Buffer.from(page.at(-1) as string).toString('base64') } : {}),
      });
    }
    const name = decodeURIComponent(match[2]);
    const object = bucket.get(name);
    if (!object) return error(404, 'notFound', `No such object: ${bucketName}/${name}`);
    calls.push('objects.get');
    if (q.get('alt') !== 'media') return json(200, { kind: 'storage#object', name, bucket: bucketName, size: String(object.body.length) });
    return new Response(object.body, { status: 200, headers: { 'content-type': 'application/json', 'content-length': String(object.body.length), 'x-goog-generation': String(object.generation) } });
  }

  return {
    fetch,
    origins: [GCS_ORIGIN],
    controls: {
      putObject(bucket: string, name: string, body: Uint8Array | string) {
        const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
        const objects = buckets.get(bucket) ?? new Map<string, StoredObject>();
        buckets.set(bucket, objects);
        objects.set(name, { body: bytes, updated: clock.now(), generation: generation++ });
      },
      /** Storage operations served, in order. */
      calls: () => [...calls],
    },
  };
}

export type GcsSimulator = ReturnType<typeof createGcsSimulator>;
