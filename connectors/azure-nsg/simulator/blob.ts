/**
 * A small Azure Blob service for flow-log containers (insights-logs-*): List Blobs (prefix, marker,
 * maxresults; NextMarker) and Get Blob, with bearer-token auth, as the Blob service REST reference
 * documents them (cited in the connector README). Errors carry `x-ms-error-code` and an `<Error>` body
 * (ContainerNotFound, BlobNotFound 404; NoAuthenticationInformation 401; InvalidQueryParameterValue 400).
 */

interface StoredBlob {
  body: Uint8Array;
  lastModified: number;
  etag: string;
}

export interface BlobSimulatorOptions {
  account?: string;
  /** Blobs per List Blobs page at most (Azure: 5,000); lower it to test pagination. */
  pageSize?: number;
  clock?: { now(): number };
}

const escapeXml = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function createBlobSimulator(options: BlobSimulatorOptions = {}) {
  const account = options.account ?? 'portcullislogs';
  const origin = `https://${account}.blob.core.windows.net`;
  const containers = new Map<string, Map<string, StoredBlob>>();
  const clock = options.clock ?? Date;
  const calls: string[] = [];
  let requests = 0;
  const headers = (extra: Record<string, string> = {}) => ({ 'x-ms-request-id': `sim-${++requests}`, 'x-ms-version': '2025-11-05', ...extra });
  const error = (status: number, code: string, message: string) =>
    new Response(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${escapeXml(message)}\nRequestId:sim-${requests + 1}</Message></Error>`, {
      status,
      headers: headers({ 'content-type': 'application/xml', 'x-ms-error-code': code }),
    });

  async function fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (!(request.headers.get('authorization') ?? '').startsWith('Bearer ')) {
      return error(401, 'NoAuthenticationInformation', 'Server failed to authenticate the request. Please refer to the information in the www-authenticate header.');
    }
    const [containerName = '', ...rest] = decodeURIComponent(url.pathname).slice(1).split('/');
    const container = containers.get(containerName);
    if (!container) return error(404, 'ContainerNotFound', 'The specified container does not exist.');
    const q = url.searchParams;
    if (rest.length === 0 && q.get('restype') === 'container' && q.get('comp') === 'list') {
      calls.push('List Blobs');
      return list(containerName, container, q);
    }
    calls.push('Get Blob');
    const blob = container.get(rest.join('/'));
    if (!blob) return error(404, 'BlobNotFound', 'The specified blob does not exist.');
    return new Response(blob.body, {
      status: 200,
      headers: headers({
        'content-type': 'application/octet-stream',
        'content-length': String(blob.body.length),
        etag: blob.etag,
        'last-modified': new Date(blob.lastModified).toUTCString(),
        'x-ms-blob-type': 'BlockBlob',
      }),
    });
  }

  function list(name: string, container: Map<string, StoredBlob>, q: URLSearchParams): Response {
    const prefix = q.get('prefix') ?? '';
    const max = q.has('maxresults') ? Number(q.get('maxresults')) : 5000;
    if (!Number.isInteger(max) || max < 1) return error(400, 'InvalidQueryParameterValue', 'Value for one of the query parameters specified in the request URI is invalid.');
    const pageSize = Math.min(max, 5000, options.pageSize ?? 5000);
    const marker = q.get('marker');
    const after = marker ? Buffer.from(marker, 'base64').toString('utf8') : '';
    const names = [...container.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
    const page = names.slice(0, pageSize);
    const next = names.length > page.length ? Buffer.from(page.at(-1) as string).toString('base64') : '';
    const blobs = page
      .map((n) => {
        const b = container.get(n) as StoredBlob;
        return `<Blob><Name>${escapeXml(n)}</Name><Properties><Last-Modified>${new Date(b.lastModified).toUTCString()}</Last-Modified><Etag>${b.etag}</Etag><Content-Length>${b.body.length}</Content-Length><Content-Type>application/octet-stream</Content-Type><BlobType>BlockBlob</BlobType><AccessTier>Hot</AccessTier><LeaseStatus>unlocked</LeaseStatus><LeaseState>available</LeaseState></Properties></Blob>`;
      })
      .join('');
    const body = `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="${origin}/" ContainerName="${escapeXml(name)}"><Prefix>${escapeXml(prefix)}</Prefix>${marker ? `<Marker>${marker}</Marker>` : ''}<MaxResults>${max}</MaxResults><Blobs>${blobs}</Blobs><NextMarker>${next}</NextMarker></EnumerationResults>`;
    return new Response(body, { status: 200, headers: headers({ 'content-type': 'application/xml' }) });
  }

  return {
    fetch,
    origins: [origin],
    controls: {
      putBlob(container: string, name: string, body: Uint8Array | string) {
        const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
        const blobs = containers.get(container) ?? new Map<string, StoredBlob>();
        containers.set(container, blobs);
        blobs.set(name, { body: bytes, lastModified: clock.now(), etag: `"0x8D${((bytes.length * 2654435761) >>> 0).toString(16).toUpperCase()}"` });
      },
      /** Blob operations served, in order. */
      calls: () => [...calls],
    },
  };
}

export type BlobSimulator = ReturnType<typeof createBlobSimulator>;
