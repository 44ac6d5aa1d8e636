import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { loadConfigFile, parseConfig, type Config, type Env } from '../../config/load.ts';
import { promptSources } from '../../ivr/prompts.fr.ts';
import { callbackPrompts, connectingPrompt, type PromptId } from '../../ivr/call-flow.ts';
import { FEATURE_CODES } from '../../dialplan/render.ts';
import { ANNOUNCED_MINUTES, ANNOUNCED_POSITIONS, announcement } from '../../ivr/queue-flow.ts';
import type { PromptSource } from '../../asterisk/prompts.ts';

const DEMO = fileURLToPath(new URL('../../config/iseedor.yaml', import.meta.url));
const demoText = readFileSync(DEMO, 'utf8');
const secretNames = [...new Set([...demoText.matchAll(/\benv:\s*(RELAIS_[A-Z0-9_]+)/g)].map((m) => m[1]!))];
const fakeEnv: Env = Object.fromEntries(secretNames.map((n) => [n, `fake-${n.toLowerCase()}`]));

/** The demo configuration with some fields changed. */
function demoWith(change: (raw: Record<string, any>) => void): Config {
  const raw = parseYaml(demoText) as Record<string, any>;
  change(raw);
  return parseConfig(raw, fakeEnv);
}

const textOf = (source: PromptSource | undefined): string => {
  expect(source, 'prompt source').toBeDefined();
  expect(source).toHaveProperty('text');
  return (source as { text: string }).text;
};

/** Every queue announcement: position-1..10, position-many, wait-1..30, wait-many. */
const QUEUE_PROMPTS: PromptId[] = [
  ...Array.from({ length: 10 }, (_, i): PromptId => `position-${i + 1}`),
  'position-many',
  ...Array.from({ length: 30 }, (_, i): PromptId => `wait-${i + 1}`),
  'wait-many',
];

let sources: Record<PromptId, PromptSource>;
beforeAll(() => {
  sources = promptSources(loadConfigFile(DEMO, fakeEnv));
});

describe('promptSources for the demo configuration', () => {
  it('has a source for every prompt the call flow can play', () => {
    const expected: PromptId[] = [
      'greeting',
      'menu',
      'invalid',
      'closed',
      'noAnswer',
      'apology',
      connectingPrompt('sales'),
      connectingPrompt('after-sales'),
      connectingPrompt('technical'),
      ...QUEUE_PROMPTS,
      ...Object.values(FEATURE_CODES).map((a): PromptId => `feature-${a}`),
      ...callbackPrompts,
    ];
    expect(Object.keys(sources).sort()).toEqual([...expected].sort());
  });

  it('has a source for every announcement the queue can make', () => {
    for (let position = 0; position <= 3 * ANNOUNCED_POSITIONS; position++) {
      for (let minutes = 0; minutes <= 3 * ANNOUNCED_MINUTES; minutes++) {
        for (const id of announcement(position || 1, minutes)) expect(sources[id], id).toBeDefined();
      }
    }
  });

  it('lists the three teams in the menu, each with its digit, in digit order', () => {
    const menu = textOf(sources.menu);
    expect(menu).toBe('Pour le service commercial, tapez 1. Pour le service après-vente, tapez 2. Pour le support technique, tapez 3.');
    const at = ['tapez 1', 'tapez 2', 'tapez 3'].map((s) => menu.indexOf(s));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it('orders the menu by digit, not by the order options are written in', () => {
    const config = demoWith((c) => {
      c.menu.options = { '3': 'sales', '1': 'technical', '2': 'after-sales' };
    });
    expect(textOf(promptSources(config).menu)).toBe(
      'Pour le support technique, tapez 1. Pour le service après-vente, tapez 2. Pour le service commercial, tapez 3.',
    );
  });

  it('gives the opening hours in the closed message', () => {
    const closed = textOf(sources.closed);
    expect(closed).toContain('ISeedOr');
    expect(closed).toContain('fermés');
    expect(closed).toContain('du lundi au vendredi, de 9 heures à 19 heures');
  });

  it('uses the greeting text the configuration gives', () => {
    expect(sources.greeting).toEqual({ text: 'Bienvenue chez ISeedOr, votre hébergeur de seedbox et de serveurs.' });
  });

  it('keeps the default texts for prompts the configuration does not replace', () => {
    expect(textOf(sources.invalid)).toMatch(/pas valide/);
    expect(textOf(sources.noAnswer)).toMatch(/rappeler/);
    expect(textOf(sources.apology)).toMatch(/désolés/);
  });

  it('has one connecting prompt per team, saying its spoken name', () => {
    expect(textOf(sources[connectingPrompt('sales')])).toContain('le service commercial');
    expect(textOf(sources[connectingPrompt('after-sales')])).toContain('le service après-vente');
    expect(textOf(sources[connectingPrompt('technical')])).toContain('le support technique');
  });
});

describe('promptSources with overrides', () => {
  it('a recording replaces the default prompt', () => {
    const config = demoWith((c) => {
      c.prompts = { ...c.prompts, closed: { recording: '/srv/iseedor/ferme.wav' } };
    });
    const s = promptSources(config);
    expect(s.closed).toEqual({ recording: '/srv/iseedor/ferme.wav' });
    expect(s.menu).toEqual(sources.menu);
  });

  it('a text replaces the default prompt', () => {
    const config = demoWith((c) => {
      c.prompts = { menu: { text: 'Tapez 1 pour les ventes.' } };
    });
    const s = promptSources(config);
    expect(s.menu).toEqual({ text: 'Tapez 1 pour les ventes.' });
    // Without the demo's greeting override, the default names the company.
    expect(textOf(s.greeting)).toBe('Bienvenue chez ISeedOr.');
  });

  it("a team's connectingPrompt wins over the default sentence", () => {
    const config = demoWith((c) => {
      c.teams.technical.connectingPrompt = { recording: '/srv/iseedor/support.wav' };
      c.teams.sales.connectingPrompt = { text: 'Un instant, un commercial va vous répondre.' };
    });
    const s = promptSources(config);
    expect(s[connectingPrompt('technical')]).toEqual({ recording: '/srv/iseedor/support.wav' });
    expect(s[connectingPrompt('sales')]).toEqual({ text: 'Un instant, un commercial va vous répondre.' });
    expect(textOf(s[connectingPrompt('after-sales')])).toContain('le service après-vente');
  });

  it('falls back to the team name when it has no spoken name', () => {
    const config = demoWith((c) => {
      delete c.teams.sales.spokenName;
    });
    const s = promptSources(config);
    expect(textOf(s[connectingPrompt('sales')])).toContain('Service commercial');
    expect(textOf(s.menu)).toContain('Pour Service commercial, tapez 1.');
  });
});

describe('queue announcements, in French', () => {
  it.each(QUEUE_PROMPTS)('%s is a French text', (id) => {
    const text = textOf(sources[id]);
    expect(text.length).toBeGreaterThan(10);
    expect(text).toMatch(/^[A-Z]/);
    expect(text).toMatch(/\.$/);
    // Said in words, never "2e" or a bare id, which a speech engine reads badly.
    expect(text).not.toMatch(/\d+e\b|position|wait|many/);
  });

  it('says the position as a French ordinal word', () => {
    expect(textOf(sources['position-1'])).toBe('Vous êtes le premier en attente.');
    expect(textOf(sources['position-2'])).toContain('deuxième');
    expect(textOf(sources['position-3'])).toContain('troisième');
    expect(textOf(sources['position-10'])).toContain('dixième');
    const ordinals = Array.from({ length: 10 }, (_, i) => textOf(sources[`position-${i + 1}`]));
    expect(new Set(ordinals).size).toBe(10);
  });

  it('says "many" positions as more people waiting ahead', () => {
    const many = textOf(sources['position-many']);
    expect(many).toMatch(/personnes/);
    expect(many).toContain(String(ANNOUNCED_POSITIONS));
  });

  it('says the wait in minutes, "une minute" for one', () => {
    expect(textOf(sources['wait-1'])).toContain('une minute');
    expect(textOf(sources['wait-1'])).not.toContain('1 minute');
    expect(textOf(sources['wait-2'])).toContain('2 minutes');
    expect(textOf(sources['wait-3'])).toContain('3 minutes');
    expect(textOf(sources['wait-30'])).toContain('30 minutes');
    for (let m = 1; m <= 30; m++) expect(textOf(sources[`wait-${m}`])).toMatch(/attente/);
  });

  it('says a wait beyond 30 minutes as "plus de 30 minutes"', () => {
    expect(textOf(sources['wait-many'])).toContain(`plus de ${ANNOUNCED_MINUTES} minutes`);
  });

  it('keeps the announcements whatever the configuration overrides', () => {
    const config = demoWith((c) => {
      c.prompts = { menu: { text: 'Tapez 1 pour les ventes.' } };
    });
    const s = promptSources(config);
    for (const id of QUEUE_PROMPTS) expect(s[id], id).toEqual(sources[id]);
  });
});
