/**
 * The playbooks folder on Workers: bundled at build time by bin/worker-files.mjs (there is no file
 * system to read it from), then checked by the same functions Node uses on the files it reads.
 */
import { files } from 'portcullis-worker-files';
import { ConfigError } from '../config/parse.ts';
import type { Config } from '../config/schema.ts';
import { type TargetCatalog, isPlaybookFile, playbooksFromFiles } from '../playbooks/load.ts';
import type { Playbook } from '../playbooks/schema.ts';
import { approvalPolicyFromFiles, isPolicyFile } from '../policy/index.ts';
import type { ApprovalPolicy } from '../services.ts';

/** The folder the build bundles (bin/worker-files.mjs), relative to the repository. */
export const BUNDLED_PLAYBOOKS_DIR = 'playbooks';

/** "./playbooks/", "playbooks" → "playbooks". */
const normalized = (dir: string): string => dir.replace(/^(\.\/)+/, '').replace(/\/+$/, '');

/** The bundled files directly in `dir` (not in its subfolders), by name. */
function filesIn(dir: string, wanted: (name: string) => boolean): { file: string; text: string }[] {
  return files
    .filter((f) => f.file.startsWith(`${dir}/`) && !f.file.slice(dir.length + 1).includes('/') && wanted(f.file.slice(dir.length + 1)))
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

export function loadBundledPlaybooks(config: Config, catalog: TargetCatalog): { playbooks: Map<string, Playbook>; policy?: ApprovalPolicy } {
  const dir = normalized(config.playbooksDir);
  if (dir !== BUNDLED_PLAYBOOKS_DIR) {
    throw new ConfigError('PORTCULLIS_CONFIG (Worker binding)', [
      {
        path: 'playbooksDir',
        message: `the Worker has the folder "${BUNDLED_PLAYBOOKS_DIR}" bundled at build time, not "${config.playbooksDir}"; remove playbooksDir or set it to ./${BUNDLED_PLAYBOOKS_DIR}`,
      },
    ]);
  }
  const playbooks = playbooksFromFiles(filesIn(dir, isPlaybookFile), catalog);
  const policy = approvalPolicyFromFiles(`${dir}/policies`, filesIn(`${dir}/policies`, isPolicyFile), config.tiers, playbooks);
  return { playbooks, ...(policy ? { policy } : {}) };
}
