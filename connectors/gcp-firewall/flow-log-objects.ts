import { storage, type storage_v1 } from '@googleapis/storage';
import type { Readable } from 'node:stream';
import type { LogObject } from '../../src/connectors/types.ts';

/** `gs://bucket/prefix` as the bucket and object prefix. */
export function parseGcsLocation(location: string): { bucket: string; prefix: string } | undefined {
  const match = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])(?:\/(.*))?$/.exec(location);
  return match ? { bucket: match[1] as string, prefix: match[2] ?? '' } : undefined;
}

export function createStorageClient(auth: NonNullable<storage_v1.Options['auth']>): storage_v1.Storage {
  return storage({ version: 'v1', auth });
}

/**
 * Firewall log entries a Logging sink exported to Cloud Storage (hourly JSON files): objects.list,
 * every page (nextPageToken), in name order; each object is fetched with alt=media as a stream.
 */
export async function* gcsLogObjects(client: storage_v1.Storage, location: string): AsyncIterable<LogObject> {
  const where = parseGcsLocation(location);
  if (!where) throw new Error(`"${location}" is not a Cloud Storage location (expected gs://bucket/prefix)`);
  let pageToken: string | undefined;
  do {
    const token = pageToken;
    const page = await client.objects.list({ bucket: where.bucket, prefix: where.prefix, ...(token ? { pageToken: token } : {}) });
    for (const item of page.data.items ?? []) {
      const name = item.name as string;
      yield {
        name: `gs://${where.bucket}/${name}`,
        async open() {
          const got = await client.objects.get({ bucket: where.bucket, object: name, alt: 'media' }, { responseType: 'stream' });
          return got.data as unknown as Readable;
        },
      };
    }
    pageToken = page.data.nextPageToken ?? undefined;
  } while (pageToken);
}
