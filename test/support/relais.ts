/**
 * A whole Relais for one test suite: the ISeedOr demo configuration on spare ports, its own
 * Asterisk instance, its own Redis key prefix, a pinned clock. `stop()` leaves nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import pino from 'pino';
import { Redis } from 'ioredis';
import { parseConfig, type Config } from '../../config/load.ts';
import { freshSchema, type FreshSchema } from './pg.ts';
import type { ConfigInput } from '../../config/schema.ts';
import { ariActions, type AriActions } from '../../asterisk/ari-actions.ts';
import { AriHttp } from '../../asterisk/ari-http.ts';
import { ariEndpointOf } from '../../asterisk/supervisor.ts';
import { startRelais, type Relais, type RelaisOptions } from '../../server/relais.ts';

export const CHROOT = process.env.RELAIS_ASTERISK_CHROOT ?? '/opt/relais/asterisk';

/** Where a non-root user's local build of the mediasoup worker is (video/worker-bin.ts). */
export const RELAIS_HOME = process.env.RELAIS_HOME ?? join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'relais');

/** The administration API's bearer token in tests. */
export const API_TOKEN = 'test-api-token-0123456789';

/** The secret the demo shop signs its logged-in customers with, in tests. */
export const CHAT_SHOP_SECRET = 'test-shop-secret-0123456789';

/** A Tuesday, 10:00 in Paris: open. */
export const OPEN_TIME = new Date('2026-11-24T09:00:00Z');

export interface TestRelais {
  config: Config;
  /** The running Relais (replaced by `restart()`). */
  readonly relais: Relais;
  /** ARI as a test sees it, to check what is left in Asterisk. */
  ari: AriActions;
  sip: { host: string; port: number };
  passwords: Record<string, string>;
  /** Each staff member's configured console password. */
  consolePasswords: Record<string, string>;
  /** The suite's clock. */
  now: () => Date;
  /** Sets the clock to an instant (it runs on from there). */
  setNow(d: Date): void;
  /** Stops Relais (not Asterisk: calls stay in Stasis) and starts a new one on the same configuration. */
  restart(meanwhile?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

/** What a test or benchmark Relais is made of: the demo configuration on spare ports, with its own secrets. */
export interface IsolatedConfig {
  config: Config;
  /** Its own PostgreSQL schema, dropped by removeIsolated(). */
  database: FreshSchema;
  tag: string;
  /** SIP passwords, by staff id. */
  passwords: Record<string, string>;
  /** Configured console passwords, by staff id. */
  consolePasswords: Record<string, string>;
}

/**
 * The ISeedOr demo configuration with its own Asterisk instance, spare ports, Redis key prefix and
 * known secrets, so several run side by side on one machine.
 */
export async function isolatedConfig(opts: {
  name: string;
  rtpPorts?: { from: number; to: number };
  patch?: (c: ConfigInput) => void;
  /** Secrets the patch refers to (`{ env: NAME }`), beside the ones every test Relais has. */
  env?: Record<string, string>;
}): Promise<IsolatedConfig> {
  const raw = parse(readFileSync(new URL('../../config/iseedor.yaml', import.meta.url), 'utf8')) as ConfigInput;
  const tag = randomBytes(3).toString('hex');
  const rtp = opts.rtpPorts ?? (await freeUdpBlock(100).then((from) => ({ from, to: from + 99 })));
  raw.asterisk = {
    ...raw.asterisk,
    chroot: CHROOT,
    instance: `${opts.name}-${tag}`,
    sipPort: await freeUdpBlock(2),
    httpPort: await freeTcpPort(),
    rtpPorts: rtp,
  };
  raw.server = { host: '127.0.0.1', port: await freeTcpPort(), apiToken: { env: 'RELAIS_API_TOKEN' } };
  raw.redis = { url: 'redis://127.0.0.1:6379', prefix: `relais-${opts.name}-${tag}` };
  // Video on a port the worker picks, one worker: suites run side by side.
  if (raw.video) raw.video = { ...raw.video, port: 0, workers: 1 };
  // No shop nor helpdesk unless a test starts their stand-ins and patches them in.
  const { prestashop: _shop, osticket: _helpdesk, ...customers } = raw.customers ?? {};
  raw.customers = customers;
  opts.patch?.(raw);

  const passwords = Object.fromEntries(Object.keys(raw.staff).map((id) => [id, `pw-${id}-${tag}`]));
  const consolePasswords = Object.fromEntries(Object.keys(raw.staff).map((id) => [id, `console-${id}-${tag}`]));
  const database = await freshSchema();
  const env: Record<string, string> = {
    RELAIS_ARI_PASSWORD: `ari-${tag}`,
    RELAIS_API_TOKEN: API_TOKEN,
    RELAIS_DATABASE_URL: database.url,
    RELAIS_CHAT_TOKEN_SECRET: `chat-token-${tag}-0123456789`,
    RELAIS_CHAT_SHOP_SECRET: CHAT_SHOP_SECRET,
    RELAIS_CHAT_HELPDESK_SECRET: `chat-helpdesk-${tag}`,
    ...Object.fromEntries(Object.keys(passwords).map((id) => [`RELAIS_SIP_PASSWORD_${id.toUpperCase()}`, passwords[id]!])),
    ...Object.fromEntries(
      Object.keys(consolePasswords).map((id) => [`RELAIS_CONSOLE_PASSWORD_${id.toUpperCase()}`, consolePasswords[id]!]),
    ),
    ...opts.env,
  };
  return { config: parseConfig(raw, env), tag, passwords, consolePasswords, database };
}

/** Stops Asterisk and removes what a test Relais left: its instance folder, Redis keys and schema. */
export async function removeIsolated(relais: Relais, { config, database }: IsolatedConfig): Promise<void> {
  await relais.supervisor.stop();
  rmSync(relais.instance.hostDirs.root, { recursive: true, force: true });
  const redis = new Redis(config.redis.url);
  const keys = await redis.keys(`${config.redis.prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await database.drop();
}

export async function startTestRelais(
  opts: { now?: Date; patch?: (c: ConfigInput) => void; env?: Record<string, string>; priorityOf?: RelaisOptions['priorityOf'] } = {},
): Promise<TestRelais> {
  const isolated = await isolatedConfig({ name: 't', patch: opts.patch, env: opts.env });
  const { config, passwords, consolePasswords } = isolated;
  // A clock set to a chosen instant that then runs: opening hours see the instant, while offers,
  // wrap-ups and timers see seconds pass.
  let base = opts.now ?? OPEN_TIME;
  let setAt = Date.now();
  const now = () => new Date(base.getTime() + (Date.now() - setAt));
  const log = pino({ level: process.env.RELAIS_TEST_LOG ?? 'silent' });
  const start = () =>
    startRelais(config, { log, now, relaisHome: RELAIS_HOME, ...(opts.priorityOf ? { priorityOf: opts.priorityOf } : {}) });
  let relais = await start();
  const endpoint = ariEndpointOf(relais.instance);
  const http = new AriHttp(endpoint);

  return {
    config,
    get relais() {
      return relais;
    },
    ari: ariActions(http),
    sip: { host: '127.0.0.1', port: config.asterisk.sipPort },
    passwords,
    consolePasswords,
    now,
    setNow: (d) => {
      base = d;
      setAt = Date.now();
    },
    async restart(meanwhile) {
      await relais.stop();
      try {
        await meanwhile?.();
      } finally {
        // Even when the test failed meanwhile: the next tests need a running Relais.
        relais = await start();
      }
    },
    async stop() {
      http.close();
      await relais.stop();
      await removeIsolated(relais, isolated);
    },
  };
}

export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A run of `count` consecutive free UDP ports (sipp uses port+1 for control, RTP ports come in pairs). */
export async function freeUdpBlock(count: number): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const base = 20000 + 2 * Math.floor(Math.random() * 19000);
    if (await udpFree(base, count)) return base;
  }
  throw new Error(`no run of ${count} free UDP ports found`);
}

async function udpFree(base: number, count: number): Promise<boolean> {
  for (let p = base; p < base + count; p++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(p, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (!ok) return false;
  }
  return true;
}
