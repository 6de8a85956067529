-- One decision per run, ever: approve, reject or expiry. The primary key makes a second decision
-- fail inside its transaction even when two processes decide the same run at once.
CREATE TABLE run_decisions (
  run_id     TEXT    NOT NULL PRIMARY KEY,
  decision   TEXT    NOT NULL CHECK (decision IN ('approved', 'rejected', 'approval_expired')),
  client_id  TEXT,
  decided_at INTEGER NOT NULL
);
