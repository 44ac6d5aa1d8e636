/**
 * Every French sentence a caller hears, in one place. Defaults are built from the configuration
 * (company name, teams, menu digits, opening hours); `prompts:` in the configuration replaces any
 * of them with another text or a studio recording.
 */
import type { Config } from '../config/load.ts';
import type { PromptName } from '../config/schema.ts';
import type { PromptSource } from '../asterisk/prompts.ts';
import { connectingPrompt, type PromptId } from './call-flow.ts';
import { ANNOUNCED_MINUTES, ANNOUNCED_POSITIONS } from './queue-flow.ts';
import { describeOpeningHours } from './speak-hours.fr.ts';

export function promptSources(config: Config): Record<PromptId, PromptSource> {
  const spoken = (teamId: string) => {
    const t = config.teams[teamId]!;
    return t.spokenName ?? t.name;
  };
  const menuLines = Object.entries(config.menu.options)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([digit, team]) => `Pour ${spoken(team)}, tapez ${digit}.`);
  const hours = describeOpeningHours(config.hours.weekly);

  const defaults: Record<PromptName, string> = {
    greeting: `Bienvenue chez ${config.company.name}.`,
    menu: menuLines.join(' '),
    invalid: "Ce choix n'est pas valide.",
    closed:
      `Bonjour, vous êtes bien chez ${config.company.name}. Nos bureaux sont actuellement fermés. ` +
      (hours ? `Nous sommes joignables ${hours}${config.hours.publicHolidays === 'none' ? '' : ', sauf les jours fériés'}. ` : '') +
      'Merci de votre appel, et à bientôt.',
    noAnswer: 'Tous nos conseillers sont actuellement occupés. Merci de nous rappeler dans quelques instants. Au revoir.',
    apology:
      'Nous sommes désolés, un incident technique nous empêche de prendre votre appel. Merci de nous rappeler dans quelques instants.',
  };
  const sources = {} as Record<PromptId, PromptSource>;
  for (const [id, text] of Object.entries(defaults) as [keyof typeof defaults, string][]) {
    sources[id] = config.prompts[id] ?? { text };
  }
  for (const [id, text] of Object.entries(queueAnnouncements())) sources[id as PromptId] = { text };
  for (const [teamId, team] of Object.entries(config.teams)) {
    sources[connectingPrompt(teamId)] = team.connectingPrompt ?? {
      text: `Nous vous mettons en relation avec ${spoken(teamId)}. Merci de patienter.`,
    };
  }
  return sources;
}

/** Said in words: a speech engine reads "2e" badly. As many as ANNOUNCED_POSITIONS. */
const ORDINALS = ['premier', 'deuxième', 'troisième', 'quatrième', 'cinquième', 'sixième', 'septième', 'huitième', 'neuvième', 'dixième'];

/** "Vous êtes le deuxième en attente", "Temps d'attente estimé : environ 3 minutes", and beyond. */
function queueAnnouncements(): Record<string, string> {
  const out: Record<string, string> = {};
  ORDINALS.slice(0, ANNOUNCED_POSITIONS).forEach((ordinal, i) => (out[`position-${i + 1}`] = `Vous êtes le ${ordinal} en attente.`));
  // Beyond the tenth place at least ten people are ahead.
  out['position-many'] = `Au moins ${ORDINALS.length} personnes attendent avant vous.`;
  for (let m = 1; m <= ANNOUNCED_MINUTES; m++) {
    out[`wait-${m}`] = `Temps d'attente estimé : environ ${m === 1 ? 'une minute' : `${m} minutes`}. Merci de patienter.`;
  }
  out['wait-many'] = `Temps d'attente estimé : plus de ${ANNOUNCED_MINUTES} minutes. Merci de patienter.`;
  return out;
}
