/**
 * Scopes a client can hold. `admin` implies every other scope. Undo actions have their own scopes, so a
 * detection integration that may block cannot also lift the responders' blocks or release their hosts.
 */
export const SCOPES = ['block', 'unblock', 'allow', 'quarantine', 'release', 'approve', 'audit:read', 'runs:read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];
