-- Issue 11: GET /v1/blocks pages and answers "is this address blocked?" from indexes, not a scan.
-- net_start / net_end: a deny intent's CIDR as its first and last address, a family tag ("4"/"6")
-- and fixed-width lowercase hex (so text order is numeric order on every engine); block_key: the
-- block it lists under (start, prefix length, direction) and the cursor's keyset. src/runs/block-keys.ts
-- computes them; rows written before this migration are filled in by the store on first use
-- (src/store/sql/runs.ts, `backfillBlockColumns`), since SQL alone cannot parse a CIDR portably.
ALTER TABLE intents ADD COLUMN net_start TEXT;
ALTER TABLE intents ADD COLUMN net_end TEXT;
ALTER TABLE intents ADD COLUMN block_key TEXT;
CREATE INDEX intents_block_start ON intents (net_start, net_end) WHERE kind = 'deny' AND desired = 'present';
CREATE INDEX intents_block_key ON intents (block_key) WHERE kind = 'deny' AND desired = 'present';
-- The `target`, `client` and `incident` filters read their blocks in block_key order from these. The
-- client and incident are those of the intent's current run (copied when the run re-targets the intent).
ALTER TABLE intents ADD COLUMN run_client_id TEXT;
ALTER TABLE intents ADD COLUMN run_incident_id TEXT;
CREATE INDEX intents_block_target ON intents (connector_id, target_id, block_key) WHERE kind = 'deny' AND desired = 'present';
CREATE INDEX intents_block_client ON intents (run_client_id, block_key) WHERE kind = 'deny' AND desired = 'present';
CREATE INDEX intents_block_incident ON intents (run_incident_id, block_key) WHERE kind = 'deny' AND desired = 'present';

-- The incident a run was asked for (inputs.incident_id), for the `incident` filter of GET /v1/blocks;
-- '' when it named none. Filled at insert, and for older runs by the store on first use.
ALTER TABLE runs ADD COLUMN incident_id TEXT;
CREATE INDEX runs_incident ON runs (incident_id);
