-- Issue 17: capacity.exceeded is sent once per crossing of the configured threshold. Whether a target
-- is above it (and how many crossings it had, which keys the notification) survives restarts.
CREATE TABLE IF NOT EXISTS notify_capacity (
  target TEXT PRIMARY KEY,
  above INTEGER NOT NULL,
  crossings INTEGER NOT NULL,
  updated_at BIGINT NOT NULL
);
