/**
 * A small S3 for flow-log delivery buckets: ListObjectsV2 (prefix, max-keys, continuation-token,
 * start-after; IsTruncated / NextContinuationToken) and GetObject, virtual-hosted or path style, as
 * the S3 API reference documents them (cited in the connector README). Errors as S3 sends them:
 * an `<Error>` document with Code, Message and RequestId (NoSuchBucket, NoSuchKey 404; AccessDenied
 * 403 for an unsigned request; InvalidArgument 400 for max-keys out of range).
 */

interface StoredObject {
  body: Uint8Array;
  lastModified: number;
  etag: string;
}

export interface S3SimulatorOptions {
  region?: string;
  /** Keys per ListObjectsV2 page at most (S3: 1,000); lower it to test pagination. */
  pageSize?: number;
  clock?: { now(): number };
}

const escapeXml = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function createS3Simulator(options: S3SimulatorOptions = {}) {
  const region = options.region ?? 'us-east-1';
  const buckets = new Map<string, Map<string, StoredObject>>();
  const clock = options.clock ?? Date;
  let requests = 0;
  const calls: string[] = [];
  const error = (status: number, code: string, message: string, extra = '') =>
    new Response(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>${extra}<RequestId>${(++requests).toString(16).padStart(16, '0')}</RequestId></Error>`, {
      status,
      headers: { 'content-type': 'application/xml' },
    });

  async function fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const virtual = url.hostname.match(/^(.+)\.s3\.([a-z0-9-]+)\.amazonaws\.com$/);
    const path = decodeURIComponent(url.pathname).slice(1);
    const [bucketName, ...rest] = virtual ? [virtual[1] as string, path] : path.split('/');
    const key = virtual ? path : rest.join('/');
    if (!(request.headers.get('authorization') ?? '').startsWith('AWS4-HMAC-SHA256 ')) return error(403, 'AccessDenied', 'Access Denied');
    if (request.method !== 'GET') return error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    const bucket = buckets.get(bucketName ?? '');
    if (!bucket) return error(404, 'NoSuchBucket', 'The specified bucket does not exist', `<BucketName>${escapeXml(bucketName ?? '')}</BucketName>`);
    if (!key && url.searchParams.get('list-type') === '2') {
      calls.push('ListObjectsV2');
      return list(bucketName as string, bucket, url.searchParams);
    }
    calls.push('GetObject');
    const object = bucket.get(key);
    if (!object) return error(404, 'NoSuchKey', 'The specified key does not exist.', `<Key>${escapeXml(key)}</Key>`);
    return new Response(object.body, {
      status: 200,
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(object.body.length),
        etag: object.etag,
        'last-modified': new Date(object.lastModified).toUTCString(),
      },
    });
  }

  function list(name: string, bucket: Map<string, StoredObject>, q: URLSearchParams): Response {
    const prefix = q.get('prefix') ?? '';
    const maxKeys = q.has('max-keys') ? Number(q.get('max-keys')) : 1000;
    if (!Number.isInteger(maxKeys) || maxKeys < 0) return error(400, 'InvalidArgument', 'Provided max-keys not an integer or within integer range');
    const pageSize = Math.min(maxKeys, 1000, options.pageSize ?? 1000);
    const token = q.get('continuation-token');
    // Continuation tokens are opaque to callers; here: the last key returned, base64.
    const after = token ? Buffer.from(token, 'base64').toString('utf8') : (q.get('start-after') ?? '');
    const keys = [...bucket.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
    const page = keys.slice(0, pageSize);
    const truncated = keys.length > page.length;
    const contents = page
      .map((k) => {
        const o = bucket.get(k) as StoredObject;
        return `<Contents><Key>${escapeXml(k)}</Key><LastModified>${new Date(o.lastModified).toISOString()}</LastModified><ETag>${escapeXml(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
      })
      .join('');
    const next = truncated ? `<NextContinuationToken>${Buffer.from(page.at(-1) as string).toString('base64')}</NextContinuationToken>` : '';
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${escapeXml(name)}</Name><Prefix>${escapeXml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${token ? `<ContinuationToken>${escapeXml(token)}</ContinuationToken>` : ''}${contents}${next}</ListBucketResult>`;
    return new Response(body, { status: 200, headers: { 'content-type': 'application/xml' } });
  }

  return {
    fetch,
    /** Path-style and virtual-hosted S3 endpoints of the region (msw routes them here). */
    matches: (url: string) => new RegExp(`^https://([a-z0-9.-]+\\.)?s3\\.${region}\\.amazonaws\\.com/`).test(url),
    controls: {
      createBucket: (name: string) => void buckets.set(name, buckets.get(name) ?? new Map()),
      putObject(bucket: string, key: string, body: Uint8Array | string) {
        const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
        const objects = buckets.get(bucket) ?? new Map<string, StoredObject>();
        buckets.set(bucket, objects);
        objects.set(key, { body: bytes, lastModified: clock.now(), etag: `"${(bytes.length * 2654435761) >>> 0}"` });
      },
      /** S3 operations served, in order (ListObjectsV2, GetObject). */
      calls: () => [...calls],
    },
  };
}

export type S3Simulator = ReturnType<typeof createS3Simulator>;
