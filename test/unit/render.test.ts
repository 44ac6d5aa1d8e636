import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { loadConfigFile, parseConfig, type Config, type Env } from '../../config/load.ts';
import { instanceDirs, renderAsteriskFiles } from '../../asterisk/render.ts';
import { renderConf } from '../../asterisk/conf-file.ts';
import { FEATURE_CODES, STASIS_ARG_FEATURE } from '../../dialplan/render.ts';

const DEMO = fileURLToPath(new URL('../../config/iseedor.yaml', import.meta.url));
const demoText = readFileSync(DEMO, 'utf8');
const secretNames = [...new Set([...demoText.matchAll(/\benv:\s*(RELAIS_[A-Z0-9_]+)/g)].map((m) => m[1]!))];
const fakeEnv: Env = Object.fromEntries(secretNames.map((n) => [n, `fake-${n.toLowerCase()}`]));
const DIRS = instanceDirs('/opt/relais/asterisk/instances/demo');

// ---------------------------------------------------------------------------------------------
// A small reader for Asterisk's config syntax, independent of the renderer under test.

interface Section {
  name: string;
  /** Whatever follows `]` on the header line: `(!)` makes a template, `(tpl)` inherits one. */
  suffix: string;
  entries: [string, string][];
}

function parseConf(text: string): Section[] {
  const sections: Section[] = [];
  text.split('\n').forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith(';')) return;
    // A ';' anywhere else starts a comment in Asterisk: rendered values must never contain one.
    if (trimmed.includes(';')) throw new Error(`line ${i + 1} has a ';' outside a comment: ${line}`);
    const header = /^\[([^\]]*)\](.*)$/.exec(trimmed);
    if (header) {
      sections.push({ name: header[1]!, suffix: header[2]!.trim(), entries: [] });
      return;
    }
    const kv = /^([^=\s]+)\s*=>?\s*(.*)$/.exec(trimmed);
    if (!kv) throw new Error(`line ${i + 1} is neither a section, a setting nor a comment: ${line}`);
    const current = sections.at(-1);
    if (!current) throw new Error(`line ${i + 1} comes before any section: ${line}`);
    current.entries.push([kv[1]!, kv[2]!]);
  });
  return sections;
}

const values = (s: Section, key: string) => s.entries.filter(([k]) => k === key).map(([, v]) => v);
const value = (s: Section, key: string) => {
  const all = values(s, key);
  expect(all, `[${s.name}] ${key}`).toHaveLength(1);
  return all[0]!;
};
const only = (sections: Section[], name: string, type?: string) => {
  const found = sections.filter((s) => s.name === name && (type === undefined || values(s, 'type')[0] === type));
  expect(found, `[${name}]${type ? ` type=${type}` : ''}`).toHaveLength(1);
  return found[0]!;
};

interface DialplanStep {
  exten: string;
  priority: string;
  app: string;
  args: string;
}

/** `exten = pattern,priority,App(args)` and `same = priority,App(args)` lines, as steps. */
function dialplanSteps(context: Section): DialplanStep[] {
  let exten: string | undefined;
  return context.entries.map(([key, v]) => {
    let priority: string;
    let rest: string;
    if (key === 'exten') {
      const m = /^([^,]+),([^,]+),(.*)$/.exec(v);
      if (!m) throw new Error(`bad exten line: ${v}`);
      [, exten, priority, rest] = m as unknown as [string, string, string, string];
    } else if (key === 'same') {
      if (exten === undefined) throw new Error(`"same" before any "exten": ${v}`);
      const m = /^([^,]+),(.*)$/.exec(v);
      if (!m) throw new Error(`bad same line: ${v}`);
      [, priority, rest] = m as unknown as [string, string, string];
    } else {
      // include, switch, ignorepat... would reach other contexts.
      throw new Error(`[${context.name}] has a "${key}" line: ${v}`);
    }
    const call = /^(\w+)\((.*)\)$/.exec(rest);
    if (!call) throw new Error(`not an application call: ${rest}`);
    return { exten: exten!, priority, app: call[1]!, args: call[2]! };
  });
}

// ---------------------------------------------------------------------------------------------

let config: Config;
let files: Record<string, string>;
beforeAll(() => {
  config = loadConfigFile(DEMO, fakeEnv);
  files = renderAsteriskFiles(config, DIRS);
});
const conf = (file: string) => {
  expect(files, file).toHaveProperty([file]);
  return parseConf(files[file]!);
};

describe('extensions.conf', () => {
  it('has only the general, from-trunk and staff sections', () => {
    expect(conf('extensions.conf').map((s) => s.name)).toEqual(['general', 'from-trunk', 'staff']);
  });

  it('from-trunk sends every call to Stasis and can never dial out', () => {
    const steps = dialplanSteps(only(conf('extensions.conf'), 'from-trunk'));
    expect(steps.length).toBeGreaterThan(0);
    const apps = new Set(steps.map((s) => s.app));
    expect([...apps].filter((a) => !['Stasis', 'GotoIf', 'Answer', 'Playback', 'Hangup'].includes(a))).toEqual([]);
    expect(apps).not.toContain('Dial');

    const extens = [...new Set(steps.map((s) => s.exten))];
    // No number, any number, international numbers.
    expect(extens).toEqual(expect.arrayContaining(['s', '_X.', '_+X.']));
    for (const exten of extens) {
      const own = steps.filter((s) => s.exten === exten);
      // Answered at once by Asterisk, then straight into Relais' application.
      expect(own[0], exten).toMatchObject({ priority: '1', app: 'Answer' });
      expect(own[1], exten).toMatchObject({ priority: 'n', app: 'Stasis' });
      expect(own[1]!.args.split(',')[0]).toBe(config.asterisk.ari.app);
      // The only jump stays inside the extension, to its own Hangup.
      for (const jump of own.filter((s) => s.app === 'GotoIf')) {
        const target = jump.args.split('?')[1]!;
        expect(target, 'GotoIf target').toMatch(/^\w+$/);
        expect(own.find((s) => s.priority === `n(${target})`)?.app).toBe('Hangup');
      }
      expect(own.at(-1)!.app).toBe('Hangup');
    }
  });

  it('from-trunk plays the apology from the instance sounds when Relais is not there', () => {
    const steps = dialplanSteps(only(conf('extensions.conf'), 'from-trunk'));
    const playbacks = new Set(steps.filter((s) => s.app === 'Playback').map((s) => s.args));
    expect([...playbacks]).toEqual([`${DIRS.sounds}/apology`]);
  });

  it('staff dial feature codes into Relais, and nothing else of theirs reaches the application', () => {
    const steps = dialplanSteps(only(conf('extensions.conf'), 'staff'));
    for (const [code, action] of Object.entries(FEATURE_CODES)) {
      const own = steps.filter((s) => s.exten === code);
      expect(own.find((s) => s.app === 'Stasis')?.args, code).toBe(`${config.asterisk.ari.app},${STASIS_ARG_FEATURE},${action}`);
    }
    const stasis = steps.filter((s) => s.app === 'Stasis').map((s) => s.exten);
    expect(stasis.sort()).toEqual(Object.keys(FEATURE_CODES).sort());
  });

  it('staff has exactly one extension per staff member, dialling both of their endpoints', () => {
    const steps = dialplanSteps(only(conf('extensions.conf'), 'staff')).filter((s) => !(s.exten in FEATURE_CODES));
    const extens = [...new Set(steps.map((s) => s.exten))].sort();
    expect(extens).toEqual(
      Object.values(config.staff)
        .map((s) => s.extension)
        .sort(),
    );
    expect(extens.filter((e) => e.startsWith('_'))).toEqual([]);

    for (const [id, member] of Object.entries(config.staff)) {
      const own = steps.filter((s) => s.exten === member.extension);
      expect(own[0], id).toMatchObject({ priority: '1', app: 'Dial' });
      const [targets, timeout] = own[0]!.args.split(',');
      expect(targets!.split('&').sort()).toEqual([`PJSIP/${id}`, `PJSIP/${id}-webrtc`]);
      expect(Number(timeout)).toBeGreaterThan(0);
      expect(own.filter((s) => s.app === 'Dial')).toHaveLength(1);
    }
  });
});

describe('pjsip.conf', () => {
  it('identifies staff phones by username before the trunk by address', () => {
    const global = only(conf('pjsip.conf'), 'global', 'global');
    expect(value(global, 'endpoint_identifier_order')).toBe('username,ip');
  });

  it('has the trunk endpoint, without authentication, in from-trunk', () => {
    const trunk = only(conf('pjsip.conf'), 'trunk', 'endpoint');
    expect(value(trunk, 'context')).toBe('from-trunk');
    expect(values(trunk, 'auth')).toEqual([]);
    expect(values(trunk, 'allow')).toEqual(['alaw', 'ulaw']);
  });

  it('identifies the trunk by exactly the configured addresses', () => {
    const identifies = conf('pjsip.conf').filter((s) => values(s, 'type')[0] === 'identify');
    expect(identifies).toHaveLength(1);
    expect(value(identifies[0]!, 'endpoint')).toBe('trunk');
    expect(values(identifies[0]!, 'match')).toEqual(['127.0.0.1']);

    const other = parseConfig({ ...parseYaml(demoText), trunk: { match: ['192.0.2.10', '198.51.100.0/24'] } }, fakeEnv);
    const identify = parseConf(renderAsteriskFiles(other, DIRS)['pjsip.conf']!).filter((s) => values(s, 'type')[0] === 'identify');
    expect(values(identify[0]!, 'match')).toEqual(['192.0.2.10', '198.51.100.0/24']);
  });

  it('gives each staff member a phone and a browser endpoint, authenticated by their password', () => {
    const sections = conf('pjsip.conf');
    for (const [id, member] of Object.entries(config.staff)) {
      for (const endpoint of [id, `${id}-webrtc`]) {
        const e = only(sections, endpoint, 'endpoint');
        expect(value(e, 'context')).toBe('staff');
        const auth = only(sections, value(e, 'auth'), 'auth');
        expect(value(auth, 'auth_type')).toBe('digest');
        expect(value(auth, 'username')).toBe(endpoint);
        expect(value(auth, 'password')).toBe(member.sipPassword);
        only(sections, value(e, 'aors'), 'aor');
      }
      expect(value(only(sections, `${id}-webrtc`, 'endpoint'), 'webrtc')).toBe('yes');
      expect(values(only(sections, id, 'endpoint'), 'webrtc')).not.toContain('yes');
    }
    expect(config.staff.gary!.sipPassword).toBe('fake-relais_sip_password_gary');
  });

  it('puts no endpoint but the trunk in from-trunk', () => {
    const endpoints = conf('pjsip.conf').filter((s) => values(s, 'type')[0] === 'endpoint');
    expect(endpoints).toHaveLength(1 + 2 * Object.keys(config.staff).length);
    expect(endpoints.filter((e) => values(e, 'context').includes('from-trunk')).map((e) => e.name)).toEqual(['trunk']);
    // Each endpoint is defined once.
    expect(new Set(endpoints.map((e) => e.name)).size).toBe(endpoints.length);
  });
});

describe('the other Asterisk files', () => {
  it('manager.conf disables AMI', () => {
    const sections = conf('manager.conf');
    expect(sections.map((s) => s.name)).toEqual(['general']);
    expect(value(sections[0]!, 'enabled')).toBe('no');
  });

  it('http.conf binds the configured address and port', () => {
    const general = only(conf('http.conf'), 'general');
    expect(value(general, 'enabled')).toBe('yes');
    expect(value(general, 'bindaddr')).toBe('127.0.0.1');
    expect(value(general, 'bindport')).toBe('8088');

    const raw = parseYaml(demoText);
    raw.asterisk.httpBind = '10.1.2.3';
    raw.asterisk.httpPort = 8189;
    const other = parseConf(renderAsteriskFiles(parseConfig(raw, fakeEnv), DIRS)['http.conf']!);
    expect(value(only(other, 'general'), 'bindaddr')).toBe('10.1.2.3');
    expect(value(only(other, 'general'), 'bindport')).toBe('8189');
  });

  it('ari.conf has the one user, with the configured password', () => {
    const sections = conf('ari.conf');
    expect(value(only(sections, 'general'), 'enabled')).toBe('yes');
    const users = sections.filter((s) => values(s, 'type')[0] === 'user');
    expect(users.map((u) => u.name)).toEqual(['relais']);
    expect(value(users[0]!, 'password')).toBe('fake-relais_ari_password');
    expect(value(users[0]!, 'password_format')).toBe('plain');
  });

  it('asterisk.conf [directories] is a real section, not a template, pointing at the instance', () => {
    expect(files['asterisk.conf']).not.toContain('(!)');
    const dirs = only(conf('asterisk.conf'), 'directories');
    expect(dirs.suffix).toBe('');
    expect(value(dirs, 'astetcdir')).toBe(DIRS.etc);
    expect(value(dirs, 'astrundir')).toBe(DIRS.run);
    expect(value(dirs, 'astspooldir')).toBe(DIRS.spool);
    expect(value(dirs, 'astlogdir')).toBe(DIRS.log);
  });

  it('modules.conf loads an explicit list, with the SIP and ARI modules Relais needs', () => {
    const modules = only(conf('modules.conf'), 'modules');
    expect(value(modules, 'autoload')).toBe('no');
    expect(values(modules, 'load')).toEqual(expect.arrayContaining(['chan_pjsip.so', 'res_ari.so', 'app_stasis.so', 'res_pjsip.so']));
  });

  it('every rendered file parses as Asterisk config, with no template section', () => {
    for (const [name, text] of Object.entries(files)) {
      const sections = parseConf(text);
      expect(sections.length, name).toBeGreaterThan(0);
      expect(sections.filter((s) => s.suffix !== '').map((s) => `${name} [${s.name}]${s.suffix}`)).toEqual([]);
    }
  });
});

describe('config text can never inject Asterisk config', () => {
  it.each(['a;b', 'a\nb', 'a\r\nb'])('renderConf rejects the value %j', (bad) => {
    expect(() => renderConf('test', [{ name: 's', entries: [['password', bad]] }])).toThrow(/password/);
  });

  it.each(['a]\n[evil', 'a;b', 'x[y'])('renderConf rejects the section name %j', (bad) => {
    expect(() => renderConf('test', [{ name: bad, entries: [] }])).toThrow(/section name/);
  });

  it('renderConf writes ordinary values as they are', () => {
    expect(
      parseConf(
        renderConf('test', [
          {
            name: 's',
            entries: [
              ['a', 'x=y,z'],
              ['b', true],
              ['c', 5],
            ],
          },
        ]),
      ),
    ).toEqual([
      {
        name: 's',
        suffix: '',
        entries: [
          ['a', 'x=y,z'],
          ['b', 'yes'],
          ['c', '5'],
        ],
      },
    ]);
  });

  it('a SIP password with a ";" makes rendering fail rather than truncate the password', () => {
    const cfg = loadConfigFile(DEMO, { ...fakeEnv, RELAIS_SIP_PASSWORD_HECTOR: 'a;b' });
    expect(() => renderAsteriskFiles(cfg, DIRS)).toThrow(/password/);
  });

  it('an ARI password with a newline makes rendering fail rather than add a setting', () => {
    const cfg = loadConfigFile(DEMO, { ...fakeEnv, RELAIS_ARI_PASSWORD: 'x\n[evil]\ntype=user' });
    expect(() => renderAsteriskFiles(cfg, DIRS)).toThrow(/password/);
  });
});
