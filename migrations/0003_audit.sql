-- Signed checkpoints of the audit chain: {seq, hash, time} signed with the Ed25519 key from config.
-- kind: periodic (timer), on_demand (POST /v1/audit/checkpoints), retention (anchors the first event
-- kept after pruning). The signature covers every column but itself (see src/audit/checkpoint.ts).
CREATE TABLE audit_checkpoints (
  seq       INTEGER NOT NULL PRIMARY KEY,
  hash      TEXT    NOT NULL,
  time      TEXT    NOT NULL,
  kind      TEXT    NOT NULL CHECK (kind IN ('periodic', 'on_demand', 'retention')),
  key_id    TEXT    NOT NULL,
  signature TEXT    NOT NULL
);

-- Pull API filters. seq is the rowid, so each single-column index is ordered by (value, seq) and a
-- filtered page `WHERE col = ? AND seq > ? ORDER BY seq LIMIT n` is a range scan.
CREATE INDEX audit_events_client ON audit_events (client_id) WHERE client_id IS NOT NULL;
CREATE INDEX audit_events_playbook ON audit_events (playbook) WHERE playbook IS NOT NULL;
CREATE INDEX audit_events_target ON audit_events (target) WHERE target IS NOT NULL;
CREATE INDEX audit_events_action ON audit_events (action);
