-- Issue 17: durable outbox for signed notifications, and cursors for audit exports (notifier, SIEM sinks).
CREATE TABLE IF NOT EXISTS export_cursors (
  name TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS notify_outbox (
  id TEXT PRIMARY KEY,
  subscription TEXT NOT NULL,
  dedupe_key TEXT NOT NULL,
  event_type TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  last_status INTEGER,
  created_at INTEGER NOT NULL,
  delivered_at INTEGER,
  UNIQUE (subscription, dedupe_key)
);

CREATE INDEX IF NOT EXISTS notify_outbox_due ON notify_outbox (state, next_attempt_at);
