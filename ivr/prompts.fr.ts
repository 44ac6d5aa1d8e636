/**
 * Every French sentence a caller hears, in one place. Defaults are built from the configuration
 * (company name, teams, menu digits, opening hours); `prompts:` in the configuration replaces any
 * of them with another text or a studio recording.
 */
import type { Config } from '../config/load.ts';
import type { PromptName } from '../config/schema.ts';
import type { PromptSource } from '../asterisk/prompts.ts';
import { connectingPrompt, type PromptId } from './call-flow.ts';
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
  for (const [teamId, team] of Object.entries(config.teams)) {
    sources[connectingPrompt(teamId)] = team.connectingPrompt ?? {
      text: `Nous vous mettons en relation avec ${spoken(teamId)}. Merci de patienter.`,
    };
  }
  return sources;
}
