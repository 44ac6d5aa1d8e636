/**
 * A whole Relais for the benchmark, built like the integration tests' one (the ISeedOr demo
 * configuration, spare ports, own secrets and Redis prefix, a pinned clock inside opening hours)
 * plus the plain-dialplan baseline rendered into the same Asterisk. `stop()` leaves nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { parse } from 'yaml';
import pino from 'pino';
import { Redis } from 'ioredis';
import { parseConfig, readEnvFile, type Config } from '../config/load.ts';
import type { ConfigInput } from '../config/schema.ts';
import { instanceFor } from '../asterisk/instance.ts';
import { startRelais, type Relais } from '../server/relais.ts';
import { CHROOT, OPEN_TIME, freeTcpPort, freeUdpBlock } from '../test/support/relais.ts';
import { plainIvrExtras } from './plain-ivr.ts';

/**
 * RTP ports, two per call. Below the 20000-58000 band where tests pick their ports and above the
 * demo's 10000-10999, so a wide range here never takes a port a test just found free.
 */
const RTP_PORTS = { from: 11000, to: 19999 };

export interface LogCounts {
  warn: number;
  error: number;
  /** The first few distinct messages at warn level or above. */
  samples: string[];
}

export interface BenchRelais {
  config: Config;
  relais: Relais;
  sip: { host: string; port: number };
  /** Greeting and menu lengths, as rendered. */
  promptMs: { greeting: number; menu: number };
  logFile: string;
  /** Relais' warnings and errors so far (read and reset per level). */
  takeLogCounts(): LogCounts;
  /** `keepLogsIn`: a folder to copy Asterisk's log into before the instance is removed. */
  stop(keepLogsIn?: string): Promise<void>;
}

export async function startBenchRelais(opts: { logLevel: string; logFile: string }): Promise<BenchRelais> {
  const raw = parse(readFileSync(new URL('../config/iseedor.yaml', import.meta.url), 'utf8')) as ConfigInput;
  const tag = randomBytes(3).toString('hex');
  raw.asterisk = {
    ...raw.asterisk,
    chroot: CHROOT,
    instance: `bench-${tag}`,
    sipPort: await freeUdpBlock(2),
    httpPort: await freeTcpPort(),
    rtpPorts: RTP_PORTS,
  };
  raw.server = { host: '127.0.0.1', port: await freeTcpPort() };
  raw.redis = { url: 'redis://127.0.0.1:6379', prefix: `relais-bench-${tag}` };
  const env: Record<string, string> = {
    RELAIS_ARI_PASSWORD: `ari-${tag}`,
    RELAIS_DATABASE_URL: databaseUrl(),
    ...Object.fromEntries(Object.keys(raw.staff).map((id) => [`RELAIS_SIP_PASSWORD_${id.toUpperCase()}`, `pw-${id}-${tag}`])),
  };
  const config = parseConfig(raw, env);

  let counts: LogCounts = { warn: 0, error: 0, samples: [] };
  const log = pino(
    {
      level: opts.logLevel,
      hooks: {
        logMethod(args, method, level) {
          if (level >= 40) {
            if (level >= 50) counts.error += 1;
            else counts.warn += 1;
            const msg = describe(args);
            if (counts.samples.length < 5 && !counts.samples.includes(msg)) counts.samples.push(msg);
          }
          return method.apply(this, args);
        },
      },
    },
    pino.destination({ dest: opts.logFile, sync: false, minLength: 8192 }),
  );

  const sounds = instanceFor(config).dirs.sounds;
  const relais = await startRelais(config, { log, now: () => OPEN_TIME, renderExtras: { extras: plainIvrExtras(config, sounds) } });
  const ms = (p: string) => {
    const r = relais.prompts[p];
    if (!r) throw new Error(`prompt "${p}" was not rendered`);
    return r.durationMs;
  };

  return {
    config,
    relais,
    sip: { host: '127.0.0.1', port: config.asterisk.sipPort },
    promptMs: { greeting: ms('greeting'), menu: ms('menu') },
    logFile: opts.logFile,
    takeLogCounts() {
      const c = counts;
      counts = { warn: 0, error: 0, samples: [] };
      return c;
    },
    async stop(keepLogsIn) {
      await relais.stop();
      await relais.supervisor.stop();
      const messages = `${relais.instance.hostDirs.log}/messages.log`;
      if (keepLogsIn && existsSync(messages)) copyFileSync(messages, `${keepLogsIn}/asterisk-messages.log`);
      rmSync(relais.instance.hostDirs.root, { recursive: true, force: true });
      const redis = new Redis(config.redis.url);
      const keys = await redis.keys(`${config.redis.prefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      log.flush();
    },
  };
}

function describe(args: unknown[]): string {
  const [first, second] = args;
  const msg = typeof first === 'string' ? first : typeof second === 'string' ? second : '';
  const err = (first as { err?: { message?: string; code?: string } } | undefined)?.err;
  return err ? `${msg}: ${err.code ?? ''} ${err.message ?? ''}`.trim() : msg;
}

function databaseUrl(): string {
  if (process.env.RELAIS_DATABASE_URL) return process.env.RELAIS_DATABASE_URL;
  const file = `${process.env.RELAIS_HOME ?? '/var/lib/relais'}/secrets.env`;
  const url = existsSync(file) ? readEnvFile(file).RELAIS_DATABASE_URL : undefined;
  if (!url) throw new Error(`no RELAIS_DATABASE_URL in the environment or ${file}: run scripts/setup.sh first`);
  return url;
}
