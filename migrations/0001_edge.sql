-- Replay guard: every webhook-id seen, kept for the signature tolerance window (and a margin).
CREATE TABLE replay_guard (
  webhook_id  TEXT    NOT NULL PRIMARY KEY,
  client_id   TEXT    NOT NULL,
  -- SHA-256 of method, path with query, and body: a redelivery of the same message has the same one.
  fingerprint TEXT    NOT NULL,
  seen_at     INTEGER NOT NULL
);
CREATE INDEX replay_guard_seen_at ON replay_guard (seen_at);

-- Idempotency records (IETF httpapi Idempotency-Key draft), per client.
CREATE TABLE idempotency (
  client_id    TEXT    NOT NULL,
  key          TEXT    NOT NULL,
  fingerprint  TEXT    NOT NULL,
  state        TEXT    NOT NULL CHECK (state IN ('in_flight', 'done')),
  locked_until INTEGER,
  status       INTEGER,
  headers      TEXT,
  body         TEXT,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  PRIMARY KEY (client_id, key)
);
CREATE INDEX idempotency_expires_at ON idempotency (expires_at);

-- The audit log: append-only, hash-chained. `event` is the RFC 8785 canonical JSON that was hashed.
CREATE TABLE audit_events (
  seq        INTEGER NOT NULL PRIMARY KEY,
  id         TEXT    NOT NULL UNIQUE,
  time       TEXT    NOT NULL,
  action     TEXT    NOT NULL,
  outcome    TEXT    NOT NULL,
  client_id  TEXT,
  run_id     TEXT,
  playbook   TEXT,
  target     TEXT,
  prev_hash  TEXT    NOT NULL,
  hash       TEXT    NOT NULL,
  event      TEXT    NOT NULL
);
CREATE INDEX audit_events_time ON audit_events (time);
CREATE INDEX audit_events_run ON audit_events (run_id) WHERE run_id IS NOT NULL;
