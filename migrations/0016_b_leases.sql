-- Issue 13: leases deciding which replica runs a target's reconcile passes ("target:<connector>/<target>")
-- and the cluster-wide tasks ("cluster"). `token` is the fencing token: it grows by one each time the
-- lease changes hands (or is re-taken after it expired), so work started under an older token is refused.
-- Times are epoch milliseconds from the replicas' clocks (kept in sync by NTP; see README Decisions).
CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  token BIGINT NOT NULL,
  acquired_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);

-- The fence a fenced commit writes through: it inserts a row (lost = 1) only when its lease is no longer
-- held with its token, and the CHECK then fails the statement, which rolls the whole transaction back.
-- It never holds a row.
CREATE TABLE lease_fence (
  lost INTEGER NOT NULL CHECK (lost = 0)
);
