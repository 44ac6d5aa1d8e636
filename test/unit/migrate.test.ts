import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readMigrations } from '../../db/migrate.ts';

let dir: string | undefined;

function folder(files: Record<string, string>): string {
  const d = (dir = mkdtempSync(join(tmpdir(), 'relais-migrations-')));
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(d, name), sql);
  return d;
}

afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('readMigrations', () => {
  it('orders by number, not by name, and ignores other files', () => {
    const migrations = readMigrations(
      folder({ '10_ten.sql': 'select 10', '2_two.sql': 'select 2', '001_one.sql': 'select 1', 'README.md': '#' }),
    );
    expect(migrations).toEqual([
      { version: 1, name: 'one', sql: 'select 1' },
      { version: 2, name: 'two', sql: 'select 2' },
      { version: 10, name: 'ten', sql: 'select 10' },
    ]);
  });

  it('names a file that does not follow NNN_name.sql', () => {
    expect(() => readMigrations(folder({ '001_one.sql': '', 'add-users.sql': '' }))).toThrow(
      'migration file name must be NNN_name.sql: add-users.sql',
    );
    expect(() => readMigrations(folder({ '003_Upper.sql': '' }))).toThrow(/003_Upper\.sql/);
  });

  it('refuses two migrations with the same number', () => {
    expect(() => readMigrations(folder({ '002_a.sql': '', '2_b.sql': '' }))).toThrow('two migrations numbered 2');
  });
});

describe('the shipped migrations', () => {
  it('start with the routing journal table', () => {
    const [first] = readMigrations();
    expect(first).toMatchObject({ version: 1, name: 'routing' });
    expect(first!.sql).toMatch(/create table routing_events/);
  });
});
