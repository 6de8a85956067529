-- Operator console sessions and logins in progress, shared by every replica on one database (a load
-- balancer needs no sticky sessions, and a restart no longer logs operators out). Ids and login states
-- are kept as SHA-256 hashes: a read of this table does not yield a usable session cookie.
CREATE TABLE console_sessions (
  id_hash TEXT PRIMARY KEY,
  operator TEXT NOT NULL,
  scopes TEXT NOT NULL,
  csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL
);
CREATE INDEX console_sessions_last_seen ON console_sessions (last_seen_at);
CREATE TABLE console_logins (
  state_hash TEXT PRIMARY KEY,
  nonce TEXT NOT NULL,
  code_verifier TEXT NOT NULL,
  browser_binding TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
