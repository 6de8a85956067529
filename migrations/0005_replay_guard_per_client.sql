-- webhook-ids are remembered per client: one client can neither use up nor probe another's ids.
CREATE TABLE replay_guard_v2 (
  client_id   TEXT    NOT NULL,
  webhook_id  TEXT    NOT NULL,
  fingerprint TEXT    NOT NULL,
  seen_at     INTEGER NOT NULL,
  PRIMARY KEY (client_id, webhook_id)
);
INSERT INTO replay_guard_v2 (client_id, webhook_id, fingerprint, seen_at)
  SELECT client_id, webhook_id, fingerprint, seen_at FROM replay_guard;
DROP TABLE replay_guard;
ALTER TABLE replay_guard_v2 RENAME TO replay_guard;
CREATE INDEX replay_guard_seen_at_v2 ON replay_guard (seen_at);
