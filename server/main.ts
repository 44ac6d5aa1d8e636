/**
 * Relais' entry point.
 *   tsx server/main.ts --demo             ISeedOr's demo configuration, secrets from $RELAIS_HOME/secrets.env
 *   tsx server/main.ts --config FILE      your configuration; secrets from the environment
 *                                         (and from $RELAIS_SECRETS_FILE if set)
 *   ... --stop                            stops the configuration's Asterisk instance
 * A bad configuration stops here with the file, the path of each bad field and why.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { ConfigError } from '../config/errors.ts';
import { loadConfigFile, readEnvFile, type Config } from '../config/load.ts';
import { instanceFor } from '../asterisk/instance.ts';
import { AsteriskSupervisor } from '../asterisk/supervisor.ts';
import { startRelais } from './relais.ts';
import { startDemoServices, type DemoServices } from '../demo/services.ts';
import { seedCustomers } from '../demo/seed.ts';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

function relaisHome(): string {
  if (process.env.RELAIS_HOME) return process.env.RELAIS_HOME;
  if (process.getuid?.() === 0) return '/var/lib/relais';
  return join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'relais');
}

const { values: args } = parseArgs({ options: { demo: { type: 'boolean' }, config: { type: 'string' }, stop: { type: 'boolean' } } });

function loadConfig(): Config {
  const values = args;
  const file = values.config ?? process.env.RELAIS_CONFIG ?? (values.demo ? join(repo, 'config', 'iseedor.yaml') : undefined);
  if (!file) throw new Error('no configuration: pass --config FILE (or --demo for the ISeedOr demo)');
  const secretsFile = process.env.RELAIS_SECRETS_FILE ?? (values.demo ? join(relaisHome(), 'secrets.env') : undefined);
  const fromFile = secretsFile && existsSync(secretsFile) ? readEnvFile(secretsFile) : {};
  return loadConfigFile(file, { ...fromFile, ...process.env });
}

function banner(config: Config, secretsFile: string, demo?: DemoServices): string {
  const a = config.asterisk;
  const someone = Object.keys(config.staff)[0] ?? 'staff';
  return [
    '',
    `Relais is running for ${config.company.name}.`,
    `  Health:        http://${config.server.host}:${config.server.port}/health`,
    `  Call in:       any SIP softphone or sipp, to sip:0184000000@<this machine>:${a.sipPort} (UDP), as a caller from the ISP (${config.trunk.match.join(', ')})`,
    `  Staff phones:  register as e.g. "${someone}" on <this machine>:${a.sipPort} (UDP), or "${someone}-webrtc" over ws://${a.httpBind}:${a.httpPort}/ws;`,
    `                 passwords are the RELAIS_SIP_PASSWORD_* entries of ${secretsFile}`,
    `  Agent console: http://${config.server.host}:${config.server.port}/console/ — log in as ${staffList(config)};`,
    `                 first passwords are the RELAIS_CONSOLE_PASSWORD_* entries of ${secretsFile}`,
    ...(demo ? [...demo.describe(), `  Known callers: ${knownCallers()}`] : []),
    ...(config.chat
      ? [`  Demo shop:     http://${config.server.host}:${config.server.port}/demo/shop (and /demo/helpdesk): the chat widget`]
      : []),
    `  Customers:     curl -H "Authorization: Bearer $RELAIS_API_TOKEN" http://${config.server.host}:${config.server.port}/api/customers?q=dupont`,
    '  Asterisk keeps running when Relais stops (calls survive a restart); `npm stop` stops it.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const log = pino({ level: process.env.RELAIS_LOG_LEVEL ?? 'info' });
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Relais: configuration refused (${err.code}) in ${err.file}:\n`);
      for (const p of err.problems) process.stderr.write(`  - ${p.path || '(file)'}: ${p.message}\n`);
    } else {
      process.stderr.write(`Relais: ${(err as Error).message}\n`);
    }
    process.exit(2);
  }
  if (args.stop) {
    // `npm stop`: Asterisk outlives Relais on purpose (calls survive a restart); this ends it.
    await new AsteriskSupervisor(instanceFor(config), log).stop();
    return;
  }
  const demo = args.demo ? await startDemoServices(config) : undefined;
  const relais = await startRelais(config, { log, relaisHome: relaisHome() });
  process.stderr.write(banner(config, process.env.RELAIS_SECRETS_FILE ?? join(relaisHome(), 'secrets.env'), demo));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    await relais.stop();
    await demo?.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** "denis (admin), gary (supervisor), ..." */
function staffList(config: Config): string {
  return Object.entries(config.staff)
    .map(([id, s]) => `${id} (${s.role})`)
    .join(', ');
}

/** Demo customers a caller can pretend to be (the From number of a softphone or sipp). */
function knownCallers(): string {
  return seedCustomers
    .flatMap((c) =>
      c.addresses
        .flatMap((a) => [a.phoneMobile, a.phone])
        .filter(Boolean)
        .slice(0, 1)
        .map((p) => `${p} (${c.firstname} ${c.lastname})`),
    )
    .join(', ');
}

main().catch((err) => {
  process.stderr.write(`Relais failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
