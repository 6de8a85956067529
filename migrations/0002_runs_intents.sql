-- A run: one accepted playbook call. Its status is `accepted` (then derived from its intents),
-- or an approval state: pending_approval, rejected, approval_expired.
CREATE TABLE runs (
  id         TEXT    NOT NULL PRIMARY KEY,
  playbook   TEXT    NOT NULL,
  action     TEXT    NOT NULL,
  client_id  TEXT    NOT NULL,
  status     TEXT    NOT NULL,
  inputs     TEXT    NOT NULL,
  targets    TEXT    NOT NULL,
  decision   TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX runs_created_at ON runs (created_at);
CREATE INDEX runs_status ON runs (status, created_at);

-- The desired state: "this target should deny/allow X (until T)" or "this host should be quarantined".
-- One row per (target, match key); a later run re-targets the same row (re-block extends its expiry).
CREATE TABLE intents (
  id           TEXT    NOT NULL PRIMARY KEY,
  run_id       TEXT    NOT NULL,
  kind         TEXT    NOT NULL CHECK (kind IN ('deny', 'allow', 'quarantine')),
  connector_id TEXT    NOT NULL,
  target_id    TEXT    NOT NULL,
  match_key    TEXT    NOT NULL,
  spec         TEXT    NOT NULL,
  desired      TEXT    NOT NULL CHECK (desired IN ('present', 'absent')),
  state        TEXT    NOT NULL CHECK (state IN ('pending', 'applied', 'failed', 'removed')),
  expires_at   INTEGER,
  offenses     INTEGER NOT NULL DEFAULT 1,
  error        TEXT,
  cloud        TEXT,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  UNIQUE (connector_id, target_id, match_key)
);
CREATE INDEX intents_target ON intents (connector_id, target_id, state);
CREATE INDEX intents_expiry ON intents (expires_at) WHERE desired = 'present';

-- What each run asked of each intent, and how it ended for that run.
CREATE TABLE run_intents (
  run_id    TEXT NOT NULL,
  intent_id TEXT NOT NULL,
  state     TEXT NOT NULL CHECK (state IN ('pending', 'applied', 'failed')),
  error     TEXT,
  PRIMARY KEY (run_id, intent_id)
);
CREATE INDEX run_intents_intent ON run_intents (intent_id, state);
