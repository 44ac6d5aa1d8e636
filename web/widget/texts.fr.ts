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

/** Video calls, proposed and answered (in widget.js). */
export const videoOfferTexts = {
  propose: 'Appel vidéo',
  proposeLabel: 'Proposer un appel vidéo au conseiller',
  proposedByAgent: (agent: string) => `${agent} vous propose un appel vidéo.`,
  proposedByMe: 'Appel vidéo proposé : en attente de réponse…',
  accept: 'Accepter',
  decline: 'Refuser',
  cancel: 'Annuler',
  joining: 'Connexion à l’appel vidéo…',
  noWebRtc: 'Votre navigateur ne permet pas les appels vidéo. La conversation continue par écrit.',
  ended: {
    declined: 'L’appel vidéo a été refusé. La conversation continue par écrit.',
    expired: 'Pas de réponse à la proposition d’appel vidéo.',
    'hung-up': 'Appel vidéo terminé. La conversation continue par écrit.',
    left: 'L’appel vidéo s’est interrompu (connexion perdue). La conversation continue par écrit.',
    'chat-ended': 'Appel vidéo terminé.',
    failed: 'L’appel vidéo a échoué. La conversation continue par écrit.',
  },
  errors: {
    VIDEO_ERR_ALREADY: 'Un appel vidéo est déjà proposé ou en cours dans cette conversation.',
    VIDEO_ERR_FULL: 'Les appels vidéo sont momentanément indisponibles. Réessayez dans quelques minutes.',
    VIDEO_ERR_AGENT_BUSY: 'Le conseiller est en ligne. Réessayez dans quelques minutes.',
    VIDEO_ERR_DISABLED: 'Seul le conseiller peut proposer un appel vidéo.',
  } as Partial<Record<string, string>>,
  failed: 'L’appel vidéo n’a pas pu démarrer. La conversation continue par écrit.',
} as const;

/** The call itself (in video.js, loaded only when a call starts). */
export const videoCallTexts = {
  region: 'Appel vidéo',
  micOff: 'Couper le micro',
  micOn: 'Réactiver le micro',
  cameraOff: 'Couper la caméra',
  cameraOn: 'Réactiver la caméra',
  shareScreen: 'Partager l’écran',
  stopScreen: 'Arrêter le partage',
  hangUp: 'Raccrocher',
  remoteCamera: (agent: string) => `Caméra de ${agent}`,
  remoteScreen: (agent: string) => `Écran partagé par ${agent}`,
  remoteCameraOff: (agent: string) => `Caméra de ${agent} coupée`,
  remoteMuted: (agent: string) => `${agent} a coupé son micro`,
  waitingRemote: (agent: string) => `En attente de ${agent}…`,
  you: 'Vous',
  stats: (frames: number, screen: number, audio: number) => `Images reçues : ${frames} · Écran : ${screen} · Audio reçu : ${audio} paquets`,
  problems: {
    'no-webrtc': 'Votre navigateur ne permet pas les appels vidéo. La conversation continue par écrit.',
    denied:
      'Vous avez refusé l’accès à la caméra et au micro : vous voyez et entendez le conseiller, mais il ne vous voit ni ne vous entend. Autorisez-les dans les réglages du navigateur puis rappelez.',
    'no-camera': 'Aucune caméra disponible : l’appel continue en audio.',
    'no-microphone': 'Aucun micro disponible : le conseiller vous voit mais ne vous entend pas. Écrivez-lui dans le chat.',
    'no-devices': 'Caméra et micro indisponibles : vous voyez et entendez le conseiller, écrivez-lui dans le chat.',
    'screen-failed': 'Le partage d’écran n’a pas pu démarrer.',
  },
} as const;

/** "le 12/03 à 14 h 30" (the visitor's time zone); the raw text if the date does not parse. */
function formatDue(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const day = d.toLocaleDateString('fr-FR', { day: '2-digit', month: '2-digit' });
  const time = d.toLocaleTimeString('fr-FR', { hour: '2-digit', minute: '2-digit' }).replace(':', ' h ');
  return `le ${day} à ${time}`;
}
