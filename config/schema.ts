/**
 * The one configuration of a Relais deployment, as a zod schema. Asterisk's endpoints, the
 * dialplan, the IVR and the teams are all rendered from the parsed result; nothing else holds
 * configuration.
 */
import { z } from 'zod';
import { callbacks, chat, consoleSettings, customers, video } from './channels.ts';
import {
  HHMM,
  hhmm,
  id,
  ipOrCidr,
  isoDate,
  isOrigin,
  isTimeZone,
  port,
  secret,
  seconds,
  wholeSeconds,
  type SecretResolver,
} from './fields.ts';

export { SECRET_ISSUE, type SecretRef, type SecretResolver } from './fields.ts';

const timeRange = z
  .strictObject({ from: hhmm, to: hhmm })
  .refine((r) => !HHMM.test(r.from) || !HHMM.test(r.to) || r.from < r.to, { message: '"from" must be before "to"' });

export const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof weekdays)[number];

const hours = z.strictObject({
  /** Opening ranges per weekday, in the company's time zone; a missing day is closed. */
  weekly: z.partialRecord(z.enum(weekdays), z.array(timeRange)),
  /** Which computed public holidays close the company. */
  publicHolidays: z.enum(['FR', 'FR-alsace-moselle', 'none']).default('FR'),
  /** Extra closed days (bridges, inventory day...). */
  closedDays: z.array(isoDate).default([]),
});

/** agent: their own work; supervisor: also the team's (statistics, everyone's presence, GDPR); admin: everything. */
export const staffRoles = ['agent', 'supervisor', 'admin'] as const;
export type StaffRole = (typeof staffRoles)[number];

/** The shortest console password accepted, configured or chosen. */
export const MIN_PASSWORD_LENGTH = 12;

const staffMember = (resolve: SecretResolver) =>
  z.strictObject({
    name: z.string().min(1),
    /** Internal number other staff dial to reach this person. */
    extension: z.string().regex(/^\d{2,6}$/, '2 to 6 digits'),
    /** SIP password of this person's phones (desk/softphone over UDP, browser over WebSocket). */
    sipPassword: secret(resolve),
    /** How many chats this person takes at once (a call is always one at a time). */
    chatCapacity: z.number().int().min(0).max(20).default(3),
    /** What this person may do in the console and the staff API (server/auth/permissions.ts). */
    role: z.enum(staffRoles).default('agent'),
    /**
     * The initial console password. Stored hashed at start; replaced when this secret changes,
     * until the person sets their own (then the database keeps theirs).
     */
    password: secret(resolve)
      .pipe(z.string().min(MIN_PASSWORD_LENGTH, `at least ${MIN_PASSWORD_LENGTH} characters`))
      .optional(),
  });

/** A prompt is synthesised from text, or is a file the company recorded (any format sox reads). */
const prompt = z.union([
  z.strictObject({ text: z.string().min(1) }),
  z.strictObject({ recording: z.string().startsWith('/', 'an absolute path') }),
]);
export const promptNames = ['greeting', 'menu', 'invalid', 'closed', 'noAnswer', 'apology'] as const;
export type PromptName = (typeof promptNames)[number];

const team = z.strictObject({
  /** What staff read, in French ("Support technique"). */
  name: z.string().min(1),
  /** How prompts say it ("le support technique"); defaults to `name`. */
  spokenName: z.string().min(1).optional(),
  /** ringall: every phone at once; roundrobin / longestidle: one person at a time. */
  strategy: z.enum(['ringall', 'roundrobin', 'longestidle']).default('ringall'),
  /** How long one person's phones ring (an offer) before the next is tried. */
  ringSeconds: wholeSeconds(300).default(20),
  /** How long a caller waits in the queue at most before the no-answer message. */
  maxWaitSeconds: wholeSeconds(7200).default(300),
  /** A caller waiting hears their position and the estimated wait this often (and on entry). */
  announceEverySeconds: z.number().int().min(10).max(600).default(30),
  members: z.array(id).min(1),
  /** Replaces "Nous vous mettons en relation avec <spokenName>". */
  connectingPrompt: prompt.optional(),
  /** Time after each interaction before the agent is offered the next one. */
  wrapUpSeconds: z.number().int().min(0).max(600).default(15),
  /**
   * Where waiting interactions go when nobody of this team is logged in, or (with
   * `afterSeconds`) when they have waited that long.
   */
  overflow: z.strictObject({ to: id, afterSeconds: wholeSeconds(3600).optional() }).optional(),
});

const digit = z.string().regex(/^[0-9]$/, 'one digit, 0 to 9');

const menu = z.strictObject({
  /** Digit → team id. */
  options: z.record(digit, id).refine((o) => Object.keys(o).length > 0, 'at least one option'),
  /** Team that takes the call after the last replay with no valid digit. */
  defaultTeam: id,
  /** How many times the menu is replayed after an unknown digit or silence. */
  replays: z.number().int().min(0).max(5).default(2),
  /** Silence after the menu prompt before it counts as "no digit". */
  digitTimeoutSeconds: seconds(30).default(6),
});

const trunk = z.strictObject({
  /** Addresses the ISP's SIP servers send from: calls from elsewhere are refused (no open registration). */
  match: z.array(ipOrCidr).min(1),
  /** Codecs offered on the trunk, in order. */
  codecs: z.array(z.string()).default(['alaw', 'ulaw']),
});

const asterisk = (resolve: SecretResolver) =>
  z.strictObject({
    /** chroot: Debian's Asterisk installed by Relais under `chroot`; native: an `asterisk` already on the host. */
    install: z.enum(['chroot', 'native']).default('chroot'),
    chroot: z.string().startsWith('/').default('/opt/relais/asterisk'),
    /** Names this Asterisk's own etc/run/spool/log folders, so several run side by side. */
    instance: id.default('main'),
    sipBind: z.string().default('0.0.0.0'),
    sipPort: port.default(5060),
    /** Asterisk's HTTP server: ARI and the SIP WebSocket for browser phones. */
    httpBind: z.string().default('127.0.0.1'),
    httpPort: port.default(8088),
    rtpPorts: z
      .strictObject({ from: port, to: port })
      .refine((r) => r.to - r.from >= 10, { message: '"to" must leave room for at least 10 ports after "from"' })
      .default({ from: 10000, to: 20000 }),
    /** Address advertised in SIP/SDP when Asterisk is behind NAT. */
    externalAddress: z.string().optional(),
    ari: z.strictObject({
      username: id.default('relais'),
      password: secret(resolve),
      /** Stasis application name. */
      app: id.default('relais'),
    }),
  });

export const buildConfigSchema = (resolve: SecretResolver) =>
  z
    .strictObject({
      company: z.strictObject({
        name: z.string().min(1),
        timezone: z.string().refine(isTimeZone, 'an IANA time zone such as Europe/Paris'),
        /** Language of prompts and of Debian's core sounds (digits). */
        language: z.enum(['fr']).default('fr'),
        /** Where the company is: numbers written without a country prefix are from here. */
        country: z.enum(['FR', 'BE', 'CH', 'LU', 'MC', 'CA']).default('FR'),
      }),
      hours,
      staff: z.record(id, staffMember(resolve)),
      teams: z.record(id, team),
      menu,
      prompts: z.partialRecord(z.enum(promptNames), prompt).default({}),
      routing: z
        .strictObject({
          /** Offers missed in a row before an agent is paused automatically. */
          autoPauseAfterMissed: z.number().int().min(1).max(20).default(3),
          /** "Answered within N seconds", for the service level. */
          serviceLevelSeconds: wholeSeconds(600).default(20),
        })
        .default({ autoPauseAfterMissed: 3, serviceLevelSeconds: 20 }),
      trunk,
      /** Automatic callbacks; without this section nobody is offered one. */
      callbacks: callbacks(resolve).optional(),
      /** The website chat; without this section the widget is not served. */
      chat: chat(resolve).optional(),
      /** Video calls from a chat; without this section (or without chat) nobody is offered one. */
      video: video.optional(),
      /** Customer records and the shop and helpdesk they are matched with. */
      customers: customers(resolve).default({
        lookupTimeoutMs: 800,
        cacheSeconds: 300,
        premiumShopGroups: [],
        retention: { interactionsDays: 1095, provisionalDays: 365 },
      }),
      console: consoleSettings.default({
        cannedAnswers: consoleSettings.shape.cannedAnswers.parse(undefined),
        dispositions: consoleSettings.shape.dispositions.parse(undefined),
      }),
      asterisk: asterisk(resolve),
      server: z.strictObject({
        host: z.string().default('127.0.0.1'),
        port: port.default(8080),
        /** Bearer token of the staff API for machine clients (it acts as an admin); people log in to the console. */
        apiToken: secret(resolve),
        /**
         * Where browsers reach Relais when that is not http://host:port itself, e.g. behind a TLS
         * proxy (https://relais.example.fr): the console's requests must come from one of these.
         */
        origins: z.array(z.url().refine(isOrigin, 'an origin: scheme, host and port only, such as https://relais.example.fr')).default([]),
        /**
         * Addresses of that proxy: its X-Forwarded-For then gives each client's address (login
         * limits are per address; without this, everyone behind the proxy would share one).
         */
        trustedProxies: z.array(ipOrCidr).default([]),
      }),
      redis: z
        .strictObject({ url: z.string().default('redis://127.0.0.1:6379'), prefix: z.string().default('relais') })
        .default({ url: 'redis://127.0.0.1:6379', prefix: 'relais' }),
      postgres: z.strictObject({ url: secret(resolve) }),
    })
    .superRefine(checkReferences);

type ConfigSchema = ReturnType<typeof buildConfigSchema>;
export type ConfigInput = z.input<ConfigSchema>;
export type ParsedConfig = z.output<ConfigSchema>;

const RESERVED_STAFF_IDS = new Set(['trunk', 'trunk-identify', 'global', 'system', 'transport-udp', 'transport-ws']);

/** Cross-field checks: every name used must be defined, extensions must be unique. */
function checkReferences(c: z.output<z.ZodObject<any>>, ctx: z.RefinementCtx): void {
  const cfg = c as unknown as Pick<ParsedConfig, 'staff' | 'teams' | 'menu' | 'chat' | 'video'>;
  if (cfg.video && !cfg.chat)
    ctx.addIssue({ code: 'custom', path: ['video'], message: 'video calls start from a chat: add a chat section' });
  for (const [site, def] of Object.entries(cfg.chat?.sites ?? {})) {
    def.topics?.forEach((t, i) => {
      if (!cfg.teams[t]) ctx.addIssue({ code: 'custom', path: ['chat', 'sites', site, 'topics', i], message: `unknown team "${t}"` });
    });
  }
  for (const [teamId, t] of Object.entries(cfg.teams)) {
    t.members.forEach((m, i) => {
      if (!cfg.staff[m]) ctx.addIssue({ code: 'custom', path: ['teams', teamId, 'members', i], message: `unknown staff member "${m}"` });
    });
  }
  for (const [teamId, t] of Object.entries(cfg.teams)) {
    if (t.overflow && !cfg.teams[t.overflow.to]) {
      ctx.addIssue({ code: 'custom', path: ['teams', teamId, 'overflow', 'to'], message: `unknown team "${t.overflow.to}"` });
    }
    if (t.overflow?.to === teamId)
      ctx.addIssue({ code: 'custom', path: ['teams', teamId, 'overflow', 'to'], message: 'a team cannot overflow to itself' });
  }
  for (const [d, teamId] of Object.entries(cfg.menu.options)) {
    if (!cfg.teams[teamId]) ctx.addIssue({ code: 'custom', path: ['menu', 'options', d], message: `unknown team "${teamId}"` });
  }
  if (!cfg.teams[cfg.menu.defaultTeam]) {
    ctx.addIssue({ code: 'custom', path: ['menu', 'defaultTeam'], message: `unknown team "${cfg.menu.defaultTeam}"` });
  }
  for (const staffId of Object.keys(cfg.staff)) {
    // Staff ids name pjsip objects: they must not collide with Relais' own.
    if (RESERVED_STAFF_IDS.has(staffId) || staffId.endsWith('-webrtc')) {
      ctx.addIssue({
        code: 'custom',
        path: ['staff', staffId],
        message: `"${staffId}" is reserved (trunk, transports, browser endpoints)`,
      });
    }
  }
  const seen = new Map<string, string>();
  for (const [staffId, s] of Object.entries(cfg.staff)) {
    const other = seen.get(s.extension);
    if (other)
      ctx.addIssue({ code: 'custom', path: ['staff', staffId, 'extension'], message: `extension ${s.extension} is already ${other}'s` });
    seen.set(s.extension, staffId);
  }
}
