-- What each run asked of each intent: present (block, allow, quarantine) or absent (unblock, revoke,
-- release, cleanup). A run then follows its intents' later outcomes (a block refused for capacity and
-- applied once room is freed) while they still do what it asked; see src/store/sql/runs.ts.
ALTER TABLE run_intents ADD COLUMN desired TEXT CHECK (desired IN ('present', 'absent'));
UPDATE run_intents SET desired = (
  SELECT CASE WHEN r.action IN ('block', 'allow', 'quarantine') THEN 'present' ELSE 'absent' END
  FROM runs r WHERE r.id = run_intents.run_id
);

-- 0 when an intent's last failure cannot be helped by another attempt (a quarantine of an unknown host):
-- the reconciler then stops retrying it until the intent is asked for again. NULL: retry as usual.
ALTER TABLE intents ADD COLUMN error_retryable INTEGER;
