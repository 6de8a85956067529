import { expect, it } from 'vitest';
import { describeTarget, isConnectionError, toPgDdl, toPgPlaceholders } from './index.ts';

it('numbers ? placeholders, leaving literals, quoted identifiers and comments alone', () => {
  expect(toPgPlaceholders("SELECT ? AS a, '?' AS \"b?\" FROM t -- why?\nWHERE x = ? AND y = 'it''s ?' AND z IN (?, ?)")).toBe(
    "SELECT $1 AS a, '?' AS \"b?\" FROM t -- why?\nWHERE x = $2 AND y = 'it''s ?' AND z IN ($3, $4)",
  );
});

it('creates the migrations’ SQLite types at the same width', () => {
  expect(toPgDdl('a INTEGER NOT NULL, b REAL, c BLOB, d TEXT, e BIGINT, integer_col TEXT')).toBe(
    'a BIGINT NOT NULL, b DOUBLE PRECISION, c BYTEA, d TEXT, e BIGINT, integer_col TEXT',
  );
});

it('describes a URL without its password', () => {
  expect(describeTarget('postgres://app:s%40cret@db.internal:6543/portcullis?sslmode=require')).toEqual({
    host: 'db.internal',
    port: '6543',
    database: 'portcullis',
    user: 'app',
    password: 's@cret',
  });
  expect(describeTarget('postgres://postgres@127.0.0.1/x')).toMatchObject({ host: '127.0.0.1', port: '5432', database: 'x' });
});

it('tells a lost database from a refused statement', () => {
  expect(isConnectionError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(true);
  expect(isConnectionError(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
  expect(isConnectionError(new Error('Connection terminated unexpectedly'))).toBe(true);
  expect(isConnectionError(Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }))).toBe(false);
  expect(isConnectionError(Object.assign(new Error('syntax error'), { code: '42601' }))).toBe(false);
});
