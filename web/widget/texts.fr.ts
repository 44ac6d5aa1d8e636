/**
 * Every text the visitor sees, in French. To translate the widget, copy this file and swap the
 * import in the modules that use it; keys are stable, values are free.
 */
import type { ChatErrorCode } from '../../chat/protocol.ts';

/** The closed bubble's texts, apart so the loader bundles only these. */
export const bubbleTexts = {
  open: 'Ouvrir le chat',
  close: 'Fermer le chat',
  unread: (n: number) => (n === 1 ? '1 message non lu' : `${n} messages non lus`),
  loading: 'Chargement du chat…',
  broken: 'Le chat est momentanément indisponible',
} as const;

export const texts = {
  panelTitle: (company: string) => `Discuter avec ${company}`,
  close: 'Fermer',
  loading: 'Chargement…',

  preChatIntro: 'Bonjour ! Dites-nous qui vous êtes et ce qui vous amène.',
  preChatIdentified: (name: string) => `Bonjour ${name} ! Choisissez un sujet pour commencer.`,
  name: 'Votre nom',
  email: 'Votre e-mail',
  topic: 'Sujet',
  start: 'Démarrer la conversation',

  offlineIntro: 'Nous ne sommes pas disponibles pour discuter en ce moment. Laissez-nous un message.',
  offlineTopicIntro: (topic: string) => `Personne n’est disponible pour « ${topic} » en ce moment. Laissez-nous un message.`,
  message: 'Votre message',
  phone: 'Téléphone (facultatif), pour être rappelé',
  leaveMessage: 'Envoyer le message',
  sentTicket: (ticket: string | null) =>
    ticket ? `Votre message est transmis à notre équipe (ticket n° ${ticket}).` : 'Votre message est transmis à notre équipe.',
  sentCallback: (dueAt: string) => `Nous vous rappellerons ${formatDue(dueAt)}.`,
  backToStart: 'Retour',

  log: 'Messages de la conversation',
  queuePosition: (n: number) => `Vous êtes n° ${n} dans la file`,
  waiting: 'Un conseiller va vous répondre…',
  joined: (agent: string) => `${agent} a rejoint la conversation`,
  typing: (agent: string) => `${agent} écrit…`,
  agentFallback: 'Le conseiller',
  you: 'Vous',
  read: 'Lu',
  sending: 'envoi…',
  notSent: 'non envoyé',
  input: 'Votre message',
  inputHint: 'Entrée pour envoyer, Maj+Entrée pour aller à la ligne',
  send: 'Envoyer',
  end: 'Terminer',
  ended: 'La conversation est terminée.',
  rateQuestion: 'Cette conversation vous a-t-elle aidé ?',
  rateGood: 'Oui, satisfait',
  rateBad: 'Non, pas satisfait',
  rateThanks: 'Merci pour votre avis !',
  download: 'Télécharger la conversation',
  newConversation: 'Nouvelle conversation',
  transcriptTitle: (company: string, date: string) => `Conversation avec ${company} — ${date}`,
  transcriptFile: 'conversation.txt',
  system: 'Info',

  attach: 'Joindre un fichier',
  uploading: (name: string) => `${name} : envoi…`,
  tooBig: (max: string) => `Fichier trop lourd (max ${max})`,
  emptyFile: 'Ce fichier est vide.',
  badType: 'Ce type de fichier n’est pas accepté (images et PDF seulement)',
  uploadFailed: 'Le fichier n’a pas pu être envoyé. Réessayez.',
  fileFailed: 'Le fichier n’a pas pu être chargé. Réessayez plus tard.',
  downloadFile: (name: string, size: string) => `Télécharger ${name} (${size})`,
  attachmentLine: (name: string) => `[pièce jointe : ${name}]`,

  errors: {
    CHAT_ERR_INVALID: 'Ce message n’a pas pu être accepté. Vérifiez les champs.',
    CHAT_ERR_UNAUTHORISED: 'Votre session a expiré. Merci de recommencer.',
    CHAT_ERR_NOT_FOUND: 'Cette conversation n’existe plus. Merci de recommencer.',
    CHAT_ERR_ENDED: 'Cette conversation est terminée.',
    CHAT_ERR_RATE_LIMITED: 'Doucement ! Réessayez dans quelques secondes.',
    CHAT_ERR_FORGED: 'Votre identité n’a pas pu être vérifiée. Merci de recommencer.',
    CHAT_ERR_UNAVAILABLE: 'Le service est momentanément indisponible. Nous réessayons…',
    CHAT_ERR_CLOSED: 'Personne n’est disponible pour discuter maintenant : laissez-nous un message.',
  } satisfies Record<ChatErrorCode, string>,
  offline: 'Connexion perdue. Vos messages partiront dès le retour du réseau.',
  configFailed: 'Le chat n’a pas pu se charger. Réessayez plus tard.',
} as const;

/** "le 12/03 à 14 h 30" (the visitor's time zone); the raw text if the date does not parse. */
function formatDue(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const day = d.toLocaleDateString('fr-FR', { day: '2-digit', month: '2-digit' });
  const time = d.toLocaleTimeString('fr-FR', { hour: '2-digit', minute: '2-digit' }).replace(':', ' h ');
  return `le ${day} à ${time}`;
}
