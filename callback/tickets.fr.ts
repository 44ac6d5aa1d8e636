/** The helpdesk ticket opened when a callback failed every attempt, in French (staff read it). */
import type { NewTicket } from '../customers/osticket.ts';
import type { Callback } from './store.ts';

const OUTCOMES: Record<string, string> = {
  'no-answer': 'pas de réponse',
  busy: 'occupé',
  failed: 'appel impossible',
};

export function failedCallbackTicket(cb: Callback, email: string): Omit<NewTicket, 'topicId'> {
  const last = cb.lastOutcome ? (OUTCOMES[cb.lastOutcome] ?? cb.lastOutcome) : 'inconnu';
  return {
    name: cb.name ?? cb.number,
    email,
    phone: cb.number,
    subject: `Rappel impossible : ${cb.number}`,
    message: [
      `Le client a demandé à être rappelé (équipe ${cb.team}).`,
      `${cb.attempts} tentative(s) sans succès ; dernier résultat : ${last}.`,
      'Merci de le recontacter par e-mail ou de le rappeler.',
    ].join('\n'),
  };
}
