/**
 * A whole Relais for the benchmark, built like the integration tests' one (the ISeedOr demo
 * configuration, spare ports, own secrets and Redis prefix, a pinned clock inside opening hours)
 * plus the plain-dialplan baseline rendered into the same Asterisk. `stop()` leaves nothing behind.
 */
import { copyFileSync, existsSync } from 'node:fs';
import pino from 'pino';
import type { Config } from '../config/load.ts';
import type { ConfigInput } from '../config/schema.ts';
import { instanceFor } from '../asterisk/instance.ts';
import { startRelais, type Relais } from '../server/relais.ts';
import { OPEN_TIME, isolatedConfig, removeIsolated } from '../test/support/relais.ts';
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
  /** Each staff member's console password. */
  consolePasswords: Record<string, string>;
  sip: { host: string; port: number };
  /** Greeting and menu lengths, as rendered. */
  promptMs: { greeting: number; menu: number };
  logFile: string;
  /** Relais' warnings and errors so far (read and reset per level). */
  takeLogCounts(): LogCounts;
  /** `keepLogsIn`: a folder to copy Asterisk's log into before the instance is removed. */
  stop(keepLogsIn?: string): Promise<void>;
}

/** `patch`: changes to the demo configuration (a scenario's team settings). */
export async function startBenchRelais(opts: {
  logLevel: string;
  logFile: string;
  patch?: (c: ConfigInput) => void;
}): Promise<BenchRelais> {
  const isolated = await isolatedConfig({ name: 'bench', rtpPorts: RTP_PORTS, patch: opts.patch });
  const { config } = isolated;

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
    consolePasswords: isolated.consolePasswords,
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
      const messages = `${relais.instance.hostDirs.log}/messages.log`;
      if (keepLogsIn && existsSync(messages)) copyFileSync(messages, `${keepLogsIn}/asterisk-messages.log`);
      await removeIsolated(relais, isolated);
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
