import { z } from 'zod';
import { targetScopeSchema } from './scope-schema.ts';

/**
 * `flowLogs` in portcullis.config.yaml: where the server finds each target's flow logs, for the traffic
 * findings of cleanup-rules kinds `unused` and `narrow`. Files are read when a cleanup is planned (at
 * request and again at approval), streamed as `portcullis analyze --flow-logs` reads them.
 */
export const flowLogsConfigSchema = z
  .array(
    z
      .object({
        connector: z.string().min(1, 'a connector id from this config'),
        target: z.string().min(1, 'a target id of that connector'),
        /** Local paths (gzip or plain), read in order. */
        files: z.array(z.string().min(1)).default([]),
        /**
         * Object-storage locations the connector's cloud delivers the logs to, read through its SDK with
         * the connector's credentials: s3://bucket/prefix, https://ACCOUNT.blob.core.windows.net/CONTAINER/prefix,
         * gs://bucket/prefix. Every object under the prefix, in name order, after the files.
         */
        objects: z.array(z.string().min(1)).default([]),
        format: z.enum(['aws', 'azure', 'gcp']).optional(),
        /** Days of logs needed before a rule may be called unused. */
        minCoverageDays: z.number().int().min(1).max(3650).default(14),
        /** What identifies the target's own logs: logs of another account/VPC/NSG/network are refused. */
        scope: targetScopeSchema.optional(),
      })
      .strict()
      .refine((e) => e.files.length + e.objects.length > 0, { message: 'give files or objects (or both)', path: ['files'] }),
  )
  .default([]);

export type FlowLogsConfig = z.infer<typeof flowLogsConfigSchema>;
