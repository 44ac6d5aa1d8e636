/** MariaDB for tests: a throw-away database per suite, with the user scripts/setup.sh prepared. */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { readEnvFile } from '../../config/load.ts';

function password(): string {
  if (process.env.RELAIS_OSTICKET_DB_PASSWORD) return process.env.RELAIS_OSTICKET_DB_PASSWORD;
  const file = `${process.env.RELAIS_HOME ?? '/var/lib/relais'}/secrets.env`;
  const pw = existsSync(file) ? readEnvFile(file).RELAIS_OSTICKET_DB_PASSWORD : undefined;
  if (!pw) throw new Error(`no RELAIS_OSTICKET_DB_PASSWORD in the environment or ${file}: run scripts/setup.sh first`);
  return pw;
}

export interface FreshMariaDb {
  /** mysql://relais_osticket:…@127.0.0.1:3306/<name> */
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A new empty database (`osticket_test_<hex>`, which the test user may create and drop). */
export async function freshMariaDb(): Promise<FreshMariaDb> {
  const name = `osticket_test_${randomBytes(4).toString('hex')}`;
  const server = `mysql://relais_osticket:${encodeURIComponent(password())}@127.0.0.1:3306`;
  const admin = await mysql.createConnection({ uri: server, connectTimeout: 5000 });
  await admin.query(`CREATE DATABASE \`${name}\``);
  return {
    url: `${server}/${name}`,
    name,
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.end();
    },
  };
}
