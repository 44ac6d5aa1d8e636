import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { loadConfigFile, parseConfig, type Config, type Env } from '../../config/load.ts';
import { ConfigError, type ConfigErrorCode } from '../../config/errors.ts';

const DEMO = fileURLToPath(new URL('../../config/iseedor.yaml', import.meta.url));
const demoText = readFileSync(DEMO, 'utf8');

/** Every `{ env: RELAIS_... }` the demo file references, each with a distinct fake value. */
const secretNames = [...new Set([...demoText.matchAll(/\benv:\s*(RELAIS_[A-Z0-9_]+)/g)].map((m) => m[1]!))];
const fakeEnv: Env = Object.freeze(Object.fromEntries(secretNames.map((n) => [n, `fake-${n.toLowerCase()}`])));

/** The demo file as plain data, to be broken one field at a time. */
const demoRaw = () => parseYaml(demoText) as Record<string, any>;

/** The ConfigError `load` must throw. */
function thrown(load: () => unknown): ConfigError {
  try {
    load();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('the configuration was accepted');
}

/** Parses the demo data after `mutate` and returns the ConfigError it must raise. */
function refused(mutate: (raw: Record<string, any>) => void, env: Env = fakeEnv): ConfigError {
  const raw = demoRaw();
  mutate(raw);
  return thrown(() => parseConfig(raw, env, 'test.yaml'));
}

function expectProblem(err: ConfigError, code: ConfigErrorCode, path: string, message?: RegExp): void {
  expect(err.code).toBe(code);
  const atPath = err.problems.filter((p) => p.path === path);
  expect(atPath, `problems: ${JSON.stringify(err.problems)}`).not.toHaveLength(0);
  if (message) expect(atPath.map((p) => p.message).join('\n')).toMatch(message);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'relais-config-test-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the demo configuration', () => {
  let config: Config;
  beforeAll(() => {
    config = loadConfigFile(DEMO, fakeEnv);
  });

  it('references the secrets the test provides', () => {
    expect(secretNames).toContain('RELAIS_ARI_PASSWORD');
    expect(secretNames).toContain('RELAIS_DATABASE_URL');
    expect(secretNames).toContain('RELAIS_SIP_PASSWORD_DENIS');
  });

  it('parses, with secrets resolved from the environment', () => {
    expect(config.company).toEqual({ name: 'ISeedOr', timezone: 'Europe/Paris', language: 'fr', country: 'FR' });
    expect(Object.keys(config.staff)).toEqual(['denis', 'eleonore', 'gary', 'hector', 'illiana']);
    expect(config.staff.denis!.sipPassword).toBe('fake-relais_sip_password_denis');
    expect(config.asterisk.ari.password).toBe('fake-relais_ari_password');
    expect(config.postgres.url).toBe('fake-relais_database_url');
    expect(config.menu).toEqual({
      options: { '1': 'sales', '2': 'after-sales', '3': 'technical' },
      defaultTeam: 'sales',
      replays: 2,
      digitTimeoutSeconds: 6,
    });
    expect(config.teams.technical).toMatchObject({ strategy: 'longestidle', ringSeconds: 15, maxWaitSeconds: 300 });
    // Defaults filled in.
    expect(config.teams.sales).toMatchObject({ ringSeconds: 20, maxWaitSeconds: 300 });
    expect(config.asterisk.ari).toMatchObject({ username: 'relais', app: 'relais' });
    expect(config.trunk.codecs).toEqual(['alaw', 'ulaw']);
  });

  it('gives each staff member a role and an initial console password (a secret)', () => {
    const roles = Object.fromEntries(Object.entries(config.staff).map(([id, s]) => [id, s.role]));
    expect(roles).toEqual({ denis: 'admin', eleonore: 'agent', gary: 'supervisor', hector: 'agent', illiana: 'agent' });
    expect(config.staff.gary!.password).toBe('fake-relais_console_password_gary');
    expect(config.server.origins).toEqual([]);
    expect(config.server.trustedProxies).toEqual([]);
  });

  it('is deep-frozen', () => {
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.staff.denis)).toBe(true);
    expect(Object.isFrozen(config.teams.technical!.members)).toBe(true);
    expect(Object.isFrozen(config.hours.weekly.monday![0])).toBe(true);
    expect(Object.isFrozen(config.asterisk.ari)).toBe(true);
    expect(() => {
      (config.menu as { replays: number }).replays = 9;
    }).toThrow(TypeError);
    expect(() => {
      (config.teams.technical!.members as string[]).push('mallory');
    }).toThrow(TypeError);
    expect(config.menu.replays).toBe(2);
  });

  it('gives the same result from data as from the file', () => {
    expect(parseConfig(demoRaw(), fakeEnv)).toEqual(config);
  });
});

describe('refused configurations', () => {
  it('a team member who is not on the staff', () => {
    const err = refused((c) => {
      c.teams.technical.members = ['gary', 'zoe'];
    });
    expectProblem(err, 'CONFIG_ERR_INVALID', 'teams.technical.members.1', /zoe/);
    expect(err.problems).toHaveLength(1);
  });

  it('a menu option to a team that does not exist', () => {
    const err = refused((c) => {
      c.menu.options['4'] = 'billing';
    });
    expectProblem(err, 'CONFIG_ERR_INVALID', 'menu.options.4', /billing/);
  });

  it('a default team that does not exist', () => {
    const err = refused((c) => {
      c.menu.defaultTeam = 'reception';
    });
    expectProblem(err, 'CONFIG_ERR_INVALID', 'menu.defaultTeam', /reception/);
  });

  it('two staff members with the same extension', () => {
    const err = refused((c) => {
      c.staff.hector.extension = '201';
    });
    expectProblem(err, 'CONFIG_ERR_INVALID', 'staff.hector.extension', /201/);
    expect(err.problems.map((p) => p.path)).not.toContain('staff.denis.extension');
  });

  it('a time not written HH:MM', () => {
    const err = refused((c) => {
      c.hours.weekly.tuesday = [{ from: '9:00', to: '19:00' }];
    });
    expectProblem(err, 'CONFIG_ERR_INVALID', 'hours.weekly.tuesday.0.from', /HH:MM/);
  });

  it('a time not written HH:MM gives that one problem, not a misleading "before" too', () => {
    const err = refused((c) => {
      c.hours.weekly.tuesday = [{ from: '9:00', to: '19:00' }];
    });
    expect(err.problems).toHaveLength(1);
  });

  it("a staff id that would collide with Relais' own SIP objects", () => {
    for (const id of ['trunk', 'transport-udp', 'gary-webrtc']) {
      const err = refused((c) => {
        c.staff[id] = { name: 'X', extension: '299', sipPassword: { env: 'RELAIS_SIP_PASSWORD_GARY' } };
      });
      expectProblem(err, 'CONFIG_ERR_INVALID', `staff.${id}`, /reserved/);
    }
  });

  it('a staff member without role nor console password is an agent who cannot log in yet', () => {
    const raw = demoRaw();
    raw.staff.hector = { name: 'Hector Harfang', extension: '204', sipPassword: { env: 'RELAIS_SIP_PASSWORD_HECTOR' } };
    const hector = parseConfig(raw, fakeEnv).staff.hector!;
    expect(hector.role).toBe('agent');
    expect(hector.password).toBeUndefined();
  });

  it('a role that does not exist', () => {
    const err = refused((c) => {
      c.staff.hector.role = 'boss';
    });
    expectProblem(err, 'CONFIG_ERR_INVALID', 'staff.hector.role');
  });

  it('a console password shorter than 12 characters', () => {
    const err = refused(() => {}, { ...fakeEnv, RELAIS_CONSOLE_PASSWORD_HECTOR: 'short-pw' });
    expectProblem(err, 'CONFIG_ERR_INVALID', 'staff.hector.password', /at least 12/);
  });

  it('a missing console password secret', () => {
    const { RELAIS_CONSOLE_PASSWORD_GARY: _, ...env } = fakeEnv;
    const err = refused(() => {}, env);
    expectProblem(err, 'CONFIG_ERR_SECRET', 'staff.gary.password', /RELAIS_CONSOLE_PASSWORD_GARY/);
  });

  it('a server origin that is more than an origin', () => {
    const err = refused((c) => {
      c.server.origins = ['https://relais.example.fr/console'];
    });
    expectProblem(err, 'CONFIG_ERR_INVALID', 'server.origins.0', /origin/);
    const raw = demoRaw();
    raw.server.origins = ['https://relais.example.fr'];
    expect(parseConfig(raw, fakeEnv).server.origins).toEqual(['https://relais.example.fr']);
  });

  it('a team called "env" is a team, not a secret reference', () => {
    const raw = demoRaw();
    raw.teams = { env: { ...raw.teams.sales } };
    raw.menu = { ...raw.menu, options: { '1': 'env' }, defaultTeam: 'env' };
    delete raw.chat; // its sites name the demo's teams
    delete raw.video; // video calls start from a chat
    expect(parseConfig(raw, fakeEnv).teams.env?.members).toEqual(['denis']);
  });

  it('video without a chat to start from, or listening everywhere without saying where browsers reach it', () => {
    expectProblem(
      refused((c) => delete c.chat),
      'CONFIG_ERR_INVALID',
      'video',
      /start from a chat/,
    );
    expectProblem(
      refused((c) => void (c.video = { ...c.video, listenIp: '0.0.0.0' })),
      'CONFIG_ERR_INVALID',
      'video.announcedAddress',
      /announcedAddress/,
    );
  });

  it('a chat site offering a team that does not exist', () => {
    const err = refused((c) => {
      c.chat!.sites['iseedor-shop']!.topics = ['sales', 'billing'];
    });
    expectProblem(err, 'CONFIG_ERR_INVALID', 'chat.sites.iseedor-shop.topics.1', /unknown team "billing"/);
  });

  it('an ARI username that is not a plain name (it is written into ari.conf as a section)', () => {
    const err = refused((c) => {
      c.asterisk.ari.username = 'relais]\n[evil';
    });
    expectProblem(err, 'CONFIG_ERR_INVALID', 'asterisk.ari.username');
  });

  it('a menu without options', () => {
    const err = refused((c) => {
      c.menu.options = {};
    });
    expectProblem(err, 'CONFIG_ERR_INVALID', 'menu.options', /at least one/);
  });

  it('an opening range that ends before it starts', () => {
    const err = refused((c) => {
      c.hours.weekly.friday = [{ from: '14:00', to: '12:00' }];
    });
    expectProblem(err, 'CONFIG_ERR_INVALID', 'hours.weekly.friday.0', /before/);
  });

  it('a time zone that does not exist', () => {
    const err = refused((c) => {
      c.company.timezone = 'Europe/Lutece';
    });
    expectProblem(err, 'CONFIG_ERR_INVALID', 'company.timezone', /time zone/);
  });

  it('an unknown top-level key (strict)', () => {
    const err = refused((c) => {
      c.extras = { anything: true };
    });
    expect(err.code).toBe('CONFIG_ERR_INVALID');
    expect(err.problems).toEqual([{ path: 'extras', message: expect.stringContaining('extras') }]);
  });

  it('an unknown nested key (strict)', () => {
    const err = refused((c) => {
      c.menu.replay = 3;
    });
    expectProblem(err, 'CONFIG_ERR_INVALID', 'menu.replay', /replay/);
  });

  it('a secret written in the file instead of referenced', () => {
    const err = refused((c) => {
      c.asterisk.ari.password = 'hunter2';
    });
    expectProblem(err, 'CONFIG_ERR_INVALID', 'asterisk.ari.password');
  });

  it('a missing secret environment variable', () => {
    const { RELAIS_ARI_PASSWORD: _, ...env } = fakeEnv;
    const err = refused(() => {}, env);
    expect(err.code).toBe('CONFIG_ERR_SECRET');
    expect(err.problems).toEqual([{ path: 'asterisk.ari.password', message: expect.stringContaining('RELAIS_ARI_PASSWORD') }]);
    expect(err.message).toContain('asterisk.ari.password');
  });

  it('a secret environment variable set but empty', () => {
    const err = refused(() => {}, { ...fakeEnv, RELAIS_SIP_PASSWORD_GARY: '' });
    expectProblem(err, 'CONFIG_ERR_SECRET', 'staff.gary.sipPassword', /RELAIS_SIP_PASSWORD_GARY/);
  });

  it('names the source in the error message', () => {
    const err = refused((c) => {
      c.menu.defaultTeam = 'reception';
    });
    expect(err.file).toBe('test.yaml');
    expect(err.message).toMatch(/^test\.yaml: /);
    expect(err.message).toContain('menu.defaultTeam');
  });
});

describe('secret files', () => {
  it('reads a secret from a file, without its trailing newline', () => {
    const secret = join(dir, 'ari-password');
    writeFileSync(secret, 's3cr3t-from-file\n');
    const raw = demoRaw();
    raw.asterisk.ari.password = { file: secret };
    const { RELAIS_ARI_PASSWORD: _, ...env } = fakeEnv;
    expect(parseConfig(raw, env).asterisk.ari.password).toBe('s3cr3t-from-file');
  });

  it('refuses a secret file that cannot be read, with the path of the field', () => {
    const missing = join(dir, 'no-such-secret');
    const err = refused((c) => {
      c.staff.illiana.sipPassword = { file: missing };
    });
    expectProblem(err, 'CONFIG_ERR_SECRET', 'staff.illiana.sipPassword', new RegExp(missing));
  });

  it('refuses a relative secret file path', () => {
    const err = refused((c) => {
      c.postgres.url = { file: 'secrets/db-url' };
    });
    expectProblem(err, 'CONFIG_ERR_INVALID', 'postgres.url.file', /absolute/);
  });
});

describe('configuration files that cannot be read', () => {
  it('a file that does not exist', () => {
    const file = join(dir, 'absent.yaml');
    const err = thrown(() => loadConfigFile(file, fakeEnv));
    expect(err.code).toBe('CONFIG_ERR_UNREADABLE');
    expect(err.file).toBe(file);
    expect(err.message).toContain(file);
  });

  it.each([
    ['invalid YAML', 'broken.yaml', 'company: { name: ISeedOr\nstaff: [\n'],
    ['invalid JSON', 'broken.json', '{ "company": '],
  ])('%s', (_, name, text) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    const err = thrown(() => loadConfigFile(file, fakeEnv));
    expect(err.code).toBe('CONFIG_ERR_UNREADABLE');
    expect(err.file).toBe(file);
    expect(err.message).toContain(file);
  });

  it('a readable file with a bad field names the file in the message', () => {
    const file = join(dir, 'bad-team.yaml');
    writeFileSync(file, demoText.replace('defaultTeam: sales', 'defaultTeam: reception'));
    expect(() => loadConfigFile(file, fakeEnv)).toThrow(new RegExp(`^${file}: menu\\.defaultTeam: `));
  });
});
