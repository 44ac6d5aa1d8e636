/**
 * Every French sentence a caller hears, in one place. Defaults are built from the configuration
 * (company name, teams, menu digits, opening hours); `prompts:` in the configuration replaces any
 * of them with another text or a studio recording.
 */
import type { Config } from '../config/load.ts';
import type { PromptName } from '../config/schema.ts';
import type { FeatureAction } from '../dialplan/render.ts';
import type { PromptSource } from '../asterisk/prompts.ts';
import { connectingPrompt, type CallbackPrompt, type PromptId } from './call-flow.ts';
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
  const extra = { ...queueAnnouncements(), ...FEATURE_CONFIRMATIONS, ...(config.callbacks ? callbackPrompts(config.company.name) : {}) };
  for (const [id, text] of Object.entries(extra)) sources[id as PromptId] = { text };
  for (const [teamId, team] of Object.entries(config.teams)) {
    sources[connectingPrompt(teamId)] = team.connectingPrompt ?? {
      text: `Nous vous mettons en relation avec ${spoken(teamId)}. Merci de patienter.`,
    };
  }
  return sources;
}

/** Arranging a callback (callers), and its call (customers and agents). */
function callbackPrompts(company: string): Record<CallbackPrompt, string> {
  return {
    'callback-offer': 'Pour être rappelé sans perdre votre place, tapez 1.',
    'callback-no-agent': "Aucun conseiller n'est disponible pour le moment. Pour être rappelé dès que possible, tapez 1.",
    'callback-or-wait':
      'Tous nos conseillers sont encore occupés. Pour être rappelé sans perdre votre place, tapez 1. Pour continuer à patienter, tapez 2.',
    'callback-closed': 'Pour être rappelé dès notre réouverture, tapez 1.',
    'callback-which': 'Pour être rappelé au numéro depuis lequel vous appelez, tapez 1. Pour indiquer un autre numéro, tapez 2.',
    'callback-type': 'Composez votre numéro de téléphone, puis la touche dièse.',
    'callback-bad-number': 'Nous ne pouvons pas rappeler ce numéro.',
    'callback-confirm': "C'est noté. Nous vous rappellerons au",
    'callback-confirm-turn': 'dès que votre tour viendra. Merci, et à bientôt.',
    'callback-confirm-opening': 'dès notre réouverture. Merci, et à bientôt.',
    'callback-cancelled': "Aucun rappel n'a été enregistré. Merci de votre appel, et à bientôt.",
    'callback-intro': `Bonjour, ici ${company}. Vous avez demandé à être rappelé : un conseiller est en ligne.`,
    'callback-retry': "Le client n'a pas répondu. Un nouvel essai est programmé.",
    'callback-failed': "Le client n'a pas répondu. C'était le dernier essai : le rappel est noté en échec.",
  };
}

/** What staff hear after dialling a feature code. */
const FEATURE_CONFIRMATIONS: Record<`feature-${FeatureAction}`, string> = {
  'feature-login': 'Vous êtes connecté. Les appels de vos équipes vous seront présentés.',
  'feature-logout': 'Vous êtes déconnecté. Bonne fin de journée.',
  'feature-pause': 'Vous êtes en pause. Aucun appel ne vous sera présenté.',
  'feature-resume': 'Vous êtes de nouveau disponible.',
};

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
