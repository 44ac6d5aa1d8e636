/**
 * A whole Relais for one test suite: the ISeedOr demo configuration on spare ports, its own
 * Asterisk instance, its own Redis key prefix, a pinned clock. `stop()` leaves nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { parse } from 'yaml';
import pino from 'pino';
import { Redis } from 'ioredis';
import { parseConfig, readEnvFile, type Config } from '../../config/load.ts';
import type { ConfigInput } from '../../config/schema.ts';
import { ariActions, type AriActions } from '../../asterisk/ari-actions.ts';
import { AriHttp } from '../../asterisk/ari-http.ts';
import { ariEndpointOf } from '../../asterisk/supervisor.ts';
import { startRelais, type Relais } from '../../server/relais.ts';

export const CHROOT = process.env.RELAIS_ASTERISK_CHROOT ?? '/opt/relais/asterisk';
const RELAIS_HOME = process.env.RELAIS_HOME ?? '/var/lib/relais';

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
  /** Moves the pinned clock. */
  setNow(d: Date): void;
  /** Stops Relais (not Asterisk: calls stay in Stasis) and starts a new one on the same configuration. */
  restart(meanwhile?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestRelais(opts: { now?: Date; patch?: (c: ConfigInput) => void } = {}): Promise<TestRelais> {
  const raw = parse(readFileSync(new URL('../../config/iseedor.yaml', import.meta.url), 'utf8')) as ConfigInput;
  const tag = randomBytes(3).toString('hex');
  const rtp = await freeUdpBlock(100);
  raw.asterisk = {
    ...raw.asterisk,
    chroot: CHROOT,
    instance: `t-${tag}`,
    sipPort: await freeUdpBlock(2),
    httpPort: await freeTcpPort(),
    rtpPorts: { from: rtp, to: rtp + 99 },
  };
  raw.server = { host: '127.0.0.1', port: await freeTcpPort() };
  raw.redis = { url: 'redis://127.0.0.1:6379', prefix: `relais-test-${tag}` };
  opts.patch?.(raw);

  const passwords = Object.fromEntries(Object.keys(raw.staff).map((id) => [id, `pw-${id}-${tag}`]));
  const env: Record<string, string> = {
    RELAIS_ARI_PASSWORD: `ari-${tag}`,
    RELAIS_DATABASE_URL: databaseUrl(),
    ...Object.fromEntries(Object.keys(passwords).map((id) => [`RELAIS_SIP_PASSWORD_${id.toUpperCase()}`, passwords[id]!])),
  };
  const config = parseConfig(raw, env);
  let now = opts.now ?? OPEN_TIME;
  const log = pino({ level: process.env.RELAIS_TEST_LOG ?? 'silent' });
  let relais = await startRelais(config, { log, now: () => now });
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
    setNow: (d) => (now = d),
    async restart(meanwhile) {
      await relais.stop();
      try {
        await meanwhile?.();
      } finally {
        // Even when the test failed meanwhile: the next tests need a running Relais.
        relais = await startRelais(config, { log, now: () => now });
      }
    },
    async stop() {
      http.close();
      await relais.stop();
      await relais.supervisor.stop();
      rmSync(relais.instance.hostDirs.root, { recursive: true, force: true });
      const redis = new Redis(config.redis.url);
      const keys = await redis.keys(`${config.redis.prefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    },
  };
}

function databaseUrl(): string {
  if (process.env.RELAIS_DATABASE_URL) return process.env.RELAIS_DATABASE_URL;
  const file = `${RELAIS_HOME}/secrets.env`;
  const url = existsSync(file) ? readEnvFile(file).RELAIS_DATABASE_URL : undefined;
  if (!url) throw new Error(`no RELAIS_DATABASE_URL in the environment or ${file}: run scripts/setup.sh first`);
  return url;
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
