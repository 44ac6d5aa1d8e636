/**
 * Every text of the agent console, in French. To translate the console, copy this file and swap
 * the import; keys are stable, values are free.
 */
import type { ChannelKind, PresenceKind, Role } from '../../../console/protocol.ts';

export const t = {
  appName: 'Relais',
  consoleTitle: (company: string) => `${company} — console`,

  // Login
  loginTitle: 'Connexion à la console',
  staffId: 'Identifiant',
  password: 'Mot de passe',
  login: 'Se connecter',
  loggingIn: 'Connexion…',
  loginFailed: 'Identifiant ou mot de passe incorrect.',
  lockedOut: (minutes: number) => `Trop d’essais : réessayez dans ${minutes} min.`,
  logout: 'Déconnexion',
  sessionLost: 'Votre session a expiré : reconnectez-vous.',

  // Navigation
  navWork: 'Mon poste',
  navCallbacks: 'Rappels',
  navWall: 'Supervision',
  navHistory: 'Historique',
  navSettings: 'Configuration',
  roles: { agent: 'Conseiller', supervisor: 'Superviseur', admin: 'Administrateur' } satisfies Record<Role, string>,

  // Presence
  presence: { available: 'Disponible', paused: 'En pause', wrapup: 'Post-appel', offline: 'Hors ligne' } satisfies Record<
    PresenceKind,
    string
  >,
  pauseReasons: ['Pause', 'Déjeuner', 'Réunion', 'Formation', 'Administratif'],
  pauseReason: 'Motif de la pause',
  wrapUpLeft: (s: number) => `Post-appel : ${s} s`,
  load: (calls: number, chats: number, chatCapacity: number) => `☎ ${calls}/1 · chats ${chats}/${chatCapacity}`,
  connection: { online: 'Connecté', offline: 'Déconnecté, reconnexion…' },

  // Phone
  phone: 'Téléphone',
  phoneState: {
    offline: 'Téléphone hors ligne',
    connecting: 'Téléphone : connexion…',
    registered: 'Téléphone prêt',
    failed: 'Téléphone refusé',
  },
  micDenied: 'Micro inaccessible : autorisez-le dans le navigateur pour répondre depuis la console.',

  // Offers
  channels: { call: 'Appel', chat: 'Chat', video: 'Vidéo', callback: 'Rappel' } satisfies Record<ChannelKind, string>,
  incoming: (channel: string, team: string) => `${channel} entrant — ${team}`,
  waitedFor: (s: number) => `attend depuis ${duration(s)}`,
  accept: 'Répondre',
  decline: 'Refuser',
  unknownCustomer: 'Client inconnu',
  premium: 'Premium',
  basic: 'Standard',
  notificationTitle: (channel: string, who: string) => `${channel} : ${who}`,
  answerOnDeskPhone: 'Décrochez votre téléphone',

  // Call
  onCall: 'En communication',
  directCall: 'Appel direct',
  ringing: 'Sonnerie…',
  connecting: 'Connexion…',
  hangup: 'Raccrocher',
  mute: 'Couper le micro',
  unmute: 'Réactiver le micro',
  hold: 'Mettre en attente',
  resume: 'Reprendre',
  onHold: 'En attente (musique pour le client)',
  keypad: 'Clavier',
  transfer: 'Transférer',
  transferBlind: 'Transfert direct',
  transferAttended: 'Parler d’abord au collègue',
  transferTo: 'Transférer à',
  toAgent: 'Un collègue',
  toTeam: 'Une équipe',
  consulting: (name: string) => `En consultation avec ${name} — le client patiente`,
  completeTransfer: 'Passer l’appel',
  cancelTransfer: 'Revenir au client',
  audioIn: (packets: number, jitter: number | null) => `Audio reçu : ${packets} paquets${jitter === null ? '' : `, gigue ${jitter} ms`}`,
  callEnded: 'Appel terminé',

  // Chats
  chats: 'Conversations',
  noChats: 'Aucune conversation en cours',
  idleAvailable: 'Vous êtes disponible : les appels, chats et rappels de vos équipes arriveront ici.',
  idleNotAvailable: 'Passez « Disponible » (en haut) pour recevoir les appels, chats et rappels de vos équipes.',
  typeMessage: 'Votre réponse…',
  send: 'Envoyer',
  visitorTyping: 'écrit…',
  readByVisitor: 'Lu',
  canned: 'Réponses types',
  internalNote: 'Note interne',
  closeChat: 'Clore',
  disposition: 'Issue de la conversation',
  closeConfirm: 'Clore la conversation',
  chatEnded: 'Conversation terminée',
  verified: 'identifié par le site',
  fromPage: (page: string) => `depuis ${page}`,
  attachment: (name: string) => `Pièce jointe : ${name}`,
  attachmentUnavailable: 'Fichier indisponible',
  makeTicket: 'Créer un ticket',
  ticketCreated: (n: string | null) => (n ? `Ticket n° ${n} créé` : 'Ticket créé'),
  transferChat: 'Transférer la conversation',
  nextChat: 'Conversation suivante',

  // Video calls in a chat
  video: {
    propose: 'Proposer une vidéo',
    proposed: 'Vidéo proposée : en attente de la réponse du client…',
    proposedByVisitor: (who: string) => `${who} propose un appel vidéo`,
    accept: 'Accepter la vidéo',
    decline: 'Refuser',
    cancel: 'Annuler la proposition',
    joining: 'Connexion à l’appel vidéo…',
    region: 'Appel vidéo',
    micOff: 'Couper le micro',
    micOn: 'Réactiver le micro',
    cameraOff: 'Couper la caméra',
    cameraOn: 'Réactiver la caméra',
    shareScreen: 'Partager l’écran',
    stopScreen: 'Arrêter le partage',
    hangUp: 'Raccrocher',
    you: 'Vous',
    remoteCamera: 'Caméra du client',
    remoteScreen: 'Écran partagé par le client',
    remoteCameraOff: 'Caméra du client coupée',
    remoteNoCamera: 'Le client n’envoie pas d’image',
    remoteMuted: 'Micro du client coupé',
    waitingRemote: 'En attente du client…',
    remoteAway: 'Le client s’est déconnecté : il peut revenir dans quelques secondes',
    stats: (frames: number, screen: number, audio: number) =>
      `Images reçues : ${frames} · Écran : ${screen} · Audio reçu : ${audio} paquets`,
    ended: {
      declined: 'Le client a refusé la vidéo.',
      expired: 'Pas de réponse à la proposition de vidéo.',
      'hung-up': 'Appel vidéo terminé.',
      left: 'Appel vidéo interrompu : le client n’est pas revenu.',
      'chat-ended': 'Appel vidéo terminé avec la conversation.',
      failed: 'L’appel vidéo a échoué.',
    },
    problems: {
      'no-webrtc': 'Ce navigateur ne permet pas la vidéo.',
      denied:
        'Caméra et micro refusés par le navigateur : le client ne vous voit ni ne vous entend. Autorisez-les puis reproposez la vidéo.',
      'no-camera': 'Aucune caméra : l’appel continue en audio.',
      'no-microphone': 'Aucun micro : le client vous voit mais ne vous entend pas.',
      'no-devices': 'Caméra et micro indisponibles : le client ne vous voit ni ne vous entend.',
      'screen-failed': 'Le partage d’écran n’a pas pu démarrer.',
    },
    errors: {
      VIDEO_ERR_ALREADY: 'Une vidéo est déjà proposée ou en cours dans cette conversation.',
      VIDEO_ERR_FULL: 'Plus de place pour un appel vidéo sur le serveur : réessayez plus tard.',
      VIDEO_ERR_AGENT_BUSY: 'Vous êtes en ligne : terminez l’appel avant la vidéo.',
      VIDEO_ERR_CHAT_NOT_ACTIVE: 'La conversation doit être en cours pour proposer une vidéo.',
    } as Partial<Record<string, string>>,
    failed: 'L’appel vidéo n’a pas pu démarrer.',
  },

  // Customer panel
  customer: 'Client',
  noCustomer: 'Aucun client associé',
  timeline: 'Historique',
  orders: 'Dernières commandes',
  tickets: 'Tickets',
  serviceUnavailable: 'Service injoignable',
  none: 'Aucun',
  notes: 'Notes',
  addNote: 'Ajouter une note',
  notePlaceholder: 'Note interne (visible par l’équipe)',
  edit: 'Modifier',
  save: 'Enregistrer',
  cancel: 'Annuler',
  name: 'Nom',
  company: 'Société',
  phoneNumber: 'Téléphone',
  email: 'E-mail',
  search: 'Rechercher un client (nom, e-mail, téléphone)',
  interactionOutcome: (o: string) => outcomes[o] ?? o,
  direction: { inbound: 'entrant', outbound: 'sortant' } as Record<string, string>,

  // Callbacks
  callbacksTitle: 'Rappels',
  callbackStatus: {
    scheduled: 'Programmé',
    queued: 'En file',
    calling: 'En cours',
    done: 'Fait',
    failed: 'Échoué',
    cancelled: 'Annulé',
  } as Record<string, string>,
  callNow: 'Appeler maintenant',
  dueAt: 'Prévu',
  attempts: 'Tentatives',
  lastOutcome: 'Dernier résultat',
  number: 'Numéro',
  team: 'Équipe',
  status: 'État',
  all: 'Tous',

  // Wall
  wallTitle: 'Files en direct',
  waiting: 'En attente',
  longestWait: 'Attente la plus longue',
  answeredToday: 'Répondus',
  abandonedToday: 'Abandonnés',
  serviceLevel: 'Niveau de service',
  agents: 'Conseillers',

  // History
  historyTitle: 'Historique',
  from: 'Du',
  to: 'Au',
  byHour: 'Par heure',
  byDay: 'Par jour',
  volume: 'Volume',
  answerTimes: 'Temps d’attente moyen (s)',
  abandonRate: 'Taux d’abandon',
  queued: 'Reçus',
  answered: 'Répondus',
  abandoned: 'Abandonnés',
  perAgent: 'Par conseiller',
  exportCsv: 'Exporter en CSV',
  handled: 'Traités',
  avgHandle: 'Durée moyenne (s)',
  avgPickUp: 'Délai de décroché moyen (s)',
  day: 'Jour',
  hour: 'Heure',

  // Settings
  settingsTitle: 'Configuration (lecture seule)',
  hours: 'Horaires',
  holidays: 'Jours fériés',
  closedDays: 'Fermetures exceptionnelles',
  members: 'Membres',
  strategy: 'Stratégie',
  ringSeconds: 'Sonnerie (s)',
  weekdays: ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche'],
  closed: 'fermé',

  // Shortcuts
  shortcuts: 'Raccourcis clavier',
  shortcutList: [
    ['Alt+R', 'Répondre à l’offre en cours'],
    ['Alt+H', 'Raccrocher / clore'],
    ['Alt+N', 'Conversation suivante'],
    ['Alt+M', 'Couper / réactiver le micro'],
    ['?', 'Afficher cette aide'],
  ] as [string, string][],

  errors: {
    NETWORK: 'Serveur injoignable : vérifiez votre connexion.',
    API_ERR_FORBIDDEN: 'Vous n’avez pas les droits pour cette action.',
    API_ERR_CONFLICT: 'Action impossible dans l’état actuel.',
    API_ERR_RATE_LIMITED: 'Trop de demandes : patientez un peu.',
  } as Record<string, string>,
  failed: (why: string) => `Échec : ${why}`,
};

const outcomes: Record<string, string> = {
  answered: 'répondu',
  abandoned: 'abandonné',
  'no-answer': 'sans réponse',
  busy: 'occupé',
  done: 'terminé',
  failed: 'échoué',
  transferred: 'transféré',
  callback: 'rappel demandé',
  declined: 'refusé',
  unanswered: 'sans réponse',
  cancelled: 'annulé',
};

/** "2 min 05 s", "45 s", "1 h 03". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}`;
}

const dateTime = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'short', timeStyle: 'short' });
const time = new Intl.DateTimeFormat('fr-FR', { timeStyle: 'short' });
export const formatDateTime = (iso: string | number) => dateTime.format(new Date(iso));
export const formatTime = (iso: string | number) => time.format(new Date(iso));
export const percent = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)} %`);
