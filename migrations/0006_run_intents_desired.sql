-- What each run asked of each intent: present (block, allow, quarantine) or absent (unblock, revoke,
-- release, cleanup). A run then follows its intents' later outcomes (a block refused for capacity and
-- applied once room is freed) while they still do what it asked; see src/store/sql/runs.ts.
ALTER TABLE run_intents ADD COLUMN desired TEXT CHECK (desired IN ('present', 'absent'));
UPDATE run_intents SET desired = (
  SELECT CASE WHEN r.action IN ('block', 'allow', 'quarantine') THEN 'present' ELSE 'absent' END
  FROM runs r WHERE r.id = run_intents.run_id
);
