import type { ConsoleLoginRow, ConsoleSessionRow, SessionRecords } from '../types.ts';
import { type SqlDriver, sql } from './driver.ts';

interface SessionColumns {
  id_hash: string;
  operator: string;
  scopes: string;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
}
interface LoginColumns {
  state_hash: string;
  nonce: string;
  code_verifier: string;
  browser_binding: string;
  created_at: number;
}

/** Console sessions and pending logins (migrations/0014_console_sessions.sql); portable SQL. */
export class SqlSessionRecords implements SessionRecords {
  private readonly driver: SqlDriver;
  constructor(driver: SqlDriver) {
    this.driver = driver;
  }

  async putSession(row: ConsoleSessionRow): Promise<void> {
    await this.driver.batch([
      sql(
        'INSERT INTO console_sessions (id_hash, operator, scopes, csrf_token, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)',
        row.idHash,
        JSON.stringify(row.operator),
        JSON.stringify(row.scopes),
        row.csrfToken,
        row.createdAt,
        row.lastSeenAt,
      ),
    ]);
  }

  async getSession(idHash: string): Promise<ConsoleSessionRow | undefined> {
    const [row] = await this.driver.all<SessionColumns>('SELECT * FROM console_sessions WHERE id_hash = ?', [idHash]);
    if (!row) return undefined;
    return {
      idHash: row.id_hash,
      operator: JSON.parse(row.operator),
      scopes: JSON.parse(row.scopes),
      csrfToken: row.csrf_token,
      createdAt: Number(row.created_at),
      lastSeenAt: Number(row.last_seen_at),
    };
  }

  async touchSession(idHash: string, lastSeenAt: number): Promise<void> {
    // Never moves backwards (two replicas touching at once).
    await this.driver.batch([sql('UPDATE console_sessions SET last_seen_at = ? WHERE id_hash = ? AND last_seen_at < ?', lastSeenAt, idHash, lastSeenAt)]);
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.driver.batch([sql('DELETE FROM console_sessions WHERE id_hash = ?', idHash)]);
  }

  async putLogin(row: ConsoleLoginRow): Promise<void> {
    await this.driver.batch([
      sql(
        'INSERT INTO console_logins (state_hash, nonce, code_verifier, browser_binding, created_at) VALUES (?, ?, ?, ?, ?)',
        row.stateHash,
        row.nonce,
        row.codeVerifier,
        row.browserBinding,
        row.createdAt,
      ),
    ]);
  }

  async takeLogin(stateHash: string): Promise<ConsoleLoginRow | undefined> {
    // DELETE ... RETURNING: exactly one caller gets the row, however many replicas race for it.
    const [row] = await this.driver.all<LoginColumns>(
      'DELETE FROM console_logins WHERE state_hash = ? RETURNING state_hash, nonce, code_verifier, browser_binding, created_at',
      [stateHash],
    );
    if (!row) return undefined;
    return { stateHash: row.state_hash, nonce: row.nonce, codeVerifier: row.code_verifier, browserBinding: row.browser_binding, createdAt: Number(row.created_at) };
  }

  async pruneSessions(idleBefore: number, createdBefore: number, loginsBefore: number): Promise<void> {
    await this.driver.batch([
      sql('DELETE FROM console_sessions WHERE last_seen_at < ? OR created_at < ?', idleBefore, createdBefore),
      sql('DELETE FROM console_logins WHERE created_at < ?', loginsBefore),
    ]);
  }
}
