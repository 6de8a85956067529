import { ContainerClient } from '@azure/storage-blob';
import type { TokenCredential } from '@azure/core-auth';
import type { Readable } from 'node:stream';
import type { LogObject } from '../../src/connectors/types.ts';

/** `https://account.blob.core.windows.net/container/prefix` as the container URL and blob prefix. */
export function parseBlobLocation(location: string): { containerUrl: string; prefix: string } | undefined {
  const match = /^(https:\/\/[a-z0-9]{3,24}\.blob\.core\.windows\.net\/[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])?)(?:\/(.*))?$/.exec(location);
  return match ? { containerUrl: match[1] as string, prefix: match[2] ?? '' } : undefined;
}

/**
 * Flow-log blobs under a container location (Network Watcher writes them to insights-logs-*), every
 * List Blobs page (NextMarker), in name order; each blob is downloaded when ingestion reaches it.
 */
export async function* blobLogObjects(credential: TokenCredential, location: string): AsyncIterable<LogObject> {
  const where = parseBlobLocation(location);
  if (!where) throw new Error(`"${location}" is not a blob container location (expected https://ACCOUNT.blob.core.windows.net/CONTAINER/prefix)`);
  const container = new ContainerClient(where.containerUrl, credential);
  for await (const page of container.listBlobsFlat({ prefix: where.prefix }).byPage()) {
    for (const blob of page.segment.blobItems) {
      yield {
        name: `${where.containerUrl}/${blob.name}`,
        async open() {
          const download = await container.getBlobClient(blob.name).download();
          return download.readableStreamBody as Readable;
        },
      };
    }
  }
}
