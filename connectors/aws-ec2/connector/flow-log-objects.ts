import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { LogObject } from '../../../src/connectors/types.ts';

/** `s3://bucket/prefix` as the bucket and key prefix, or undefined when it is not an S3 location. */
export function parseS3Location(location: string): { bucket: string; prefix: string } | undefined {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(location);
  return match ? { bucket: match[1] as string, prefix: match[2] ?? '' } : undefined;
}

/**
 * Flow-log objects under an S3 location: ListObjectsV2, every page (ContinuationToken), in key order;
 * each object is fetched with GetObject when ingestion reaches it (the body streams).
 */
export async function* s3LogObjects(client: S3Client, location: string): AsyncIterable<LogObject> {
  const where = parseS3Location(location);
  if (!where) throw new Error(`"${location}" is not an S3 location (expected s3://bucket/prefix)`);
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: where.bucket, Prefix: where.prefix, ...(token ? { ContinuationToken: token } : {}) }));
    for (const object of page.Contents ?? []) {
      const key = object.Key as string;
      yield {
        name: `s3://${where.bucket}/${key}`,
        async open() {
          const got = await client.send(new GetObjectCommand({ Bucket: where.bucket, Key: key }));
          return got.Body as Readable;
        },
      };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

export { S3Client };
