/** PostgreSQL for tests: the URL setup.sh prepared, and a throw-away schema per suite. */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import pg from 'pg';
import { readEnvFile } from '../../config/load.ts';

export function databaseUrl(): string {
  if (process.env.RELAIS_DATABASE_URL) return process.env.RELAIS_DATABASE_URL;
  const file = `${process.env.RELAIS_HOME ?? '/var/lib/relais'}/secrets.env`;
  const url = existsSync(file) ? readEnvFile(file).RELAIS_DATABASE_URL : undefined;
  if (!url) throw new Error(`no RELAIS_DATABASE_URL in the environment or ${file}: run scripts/setup.sh first`);
  return url;
}

export interface FreshSchema {
  schema: string;
  /** A connection URL whose sessions use the schema (search_path). */
  url: string;
  drop(): Promise<void>;
}

/** A new empty schema, so a suite's tables and rows never meet another's or the demo's. */
export async function freshSchema(): Promise<FreshSchema> {
  const schema = `relais_test_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: databaseUrl(), max: 1 });
  await admin.query(`create schema ${schema}`);
  const url = new URL(databaseUrl());
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    schema,
    url: url.toString(),
    async drop() {
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    },
  };
}
