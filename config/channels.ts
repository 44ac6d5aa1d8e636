/**
 * The configuration's sections for the channels and the console: callbacks, customer records,
 * the website chat, video calls, the agent console. Assembled by config/schema.ts.
 */
import { z } from 'zod';
import { id, isTimeZone, secret, wholeSeconds, type SecretResolver } from './fields.ts';

export const callbacks = (resolve: SecretResolver) =>
  z.strictObject({
    /** The company's public number, shown to the customers it calls back. */
    callerId: z.string().regex(/^\+[1-9]\d{6,14}$/, 'a number in E.164 format, such as +33184000000'),
    /** How a customer is reached through the ISP: `{number}` becomes their number in E.164. */
    dial: z.string().regex(/^sips?:\{number\}@\S+$/, 'a SIP URI whose user part is {number}, such as sip:{number}@sip.isp.example'),
    /** Calls per callback before it is marked failed. */
    attempts: z.number().int().min(1).max(10).default(3),
    /** Wait before the first retry; each next one waits twice as long. Retries only happen during business hours. */
    retryAfterSeconds: wholeSeconds(86_400).default(600),
    /** How long the customer's phone rings. */
    ringSeconds: wholeSeconds(120).default(30),
    /** Countries whose numbers are called back (ISO codes); premium-rate numbers never are. */
    countries: z
      .array(z.string().regex(/^[A-Z]{2}$/, 'an ISO country code such as FR'))
      .min(1)
      .default(['FR']),
    /** Requests to the public POST /api/callbacks allowed per client address and per number called. */
    rateLimit: z
      .strictObject({
        perAddressPerHour: z.number().int().min(1).max(10_000).default(10),
        perNumberPerDay: z.number().int().min(1).max(100).default(3),
      })
      .default({ perAddressPerHour: 10, perNumberPerDay: 3 }),
    /** Confirmation SMS through Twilio; without it, no SMS. */
    sms: z
      .strictObject({
        accountSid: z.string().regex(/^AC[0-9a-f]{32}$/, 'a Twilio Account SID (AC and 32 hex digits)'),
        authToken: secret(resolve),
        /** The sending number (E.164) or alphanumeric sender id. */
        from: z.string().min(1),
        /** Twilio's API origin; only tests change it. */
        apiBase: z.url().optional(),
      })
      .optional(),
  });

export const customers = (resolve: SecretResolver) =>
  z.strictObject({
    /** How long a call or chat waits for the shop before going on unidentified (completed later). */
    lookupTimeoutMs: z.number().int().min(50).max(10_000).default(800),
    /** How long a lookup's answer is reused (Redis) before the shop is asked again. */
    cacheSeconds: wholeSeconds(86_400).default(300),
    /** Shop customer groups (PrestaShop group ids) whose members are premium; everyone else is basic. */
    premiumShopGroups: z.array(z.number().int().positive()).default([]),
    /** How long records are kept (GDPR): interactions, then customers seen only by their number. */
    retention: z
      .strictObject({
        interactionsDays: wholeSeconds(3650).default(1095),
        provisionalDays: wholeSeconds(3650).default(365),
      })
      .default({ interactionsDays: 1095, provisionalDays: 365 }),
    /** The shop's webservice (PrestaShop 8): customers, their addresses and orders. */
    prestashop: z.strictObject({ url: z.url(), key: secret(resolve) }).optional(),
    /** The helpdesk: tickets created through its HTTP API, listed from its database (read-only user). */
    osticket: z
      .strictObject({
        url: z.url(),
        apiKey: secret(resolve),
        database: z.strictObject({
          url: secret(resolve),
          tablePrefix: z
            .string()
            .regex(/^[a-z0-9_]*$/)
            .default('ost_'),
          /** The database server's time zone: osTicket stores its dates with NOW(). */
          timezone: z.string().refine(isTimeZone, 'an IANA time zone such as UTC').default('UTC'),
        }),
        /** Help topic of the tickets Relais opens (osTicket topic id). */
        topicId: z.number().int().positive().optional(),
      })
      .optional(),
  });

export const chat = (resolve: SecretResolver) =>
  z.strictObject({
    /** The pages the widget is embedded in, by public site key (the `data-site` of the script tag). */
    sites: z
      .record(
        z.string().regex(/^[a-z0-9-]{3,40}$/, 'a site key: 3 to 40 lower-case letters, digits and dashes'),
        z.strictObject({
          name: z.string().min(1),
          /** Origins of those pages (https://shop.example.fr); Relais' own pages are always allowed. */
          origins: z.array(z.url()).default([]),
          /** Teams a visitor may pick there; all teams by default. */
          topics: z.array(id).optional(),
          /** Shared with the site, which signs its logged-in customer with it; without it, no identity is accepted. */
          secret: secret(resolve).optional(),
        }),
      )
      .refine((s) => Object.keys(s).length > 0, 'at least one site'),
    /** Signs visitors' conversation tokens. */
    tokenSecret: secret(resolve),
    /** The widget's brand colour and logo. */
    color: z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb')
      .default('#0b5cad'),
    logo: z.url().optional(),
    /** Files (images, PDF) in conversations: largest accepted, in bytes; 0 turns them off. */
    attachments: z
      .strictObject({
        maxBytes: z
          .number()
          .int()
          .min(0)
          .max(50 * 2 ** 20)
          .default(5 * 2 ** 20),
      })
      .default({ maxBytes: 5 * 2 ** 20 }),
    /** Per connection: messages a minute; per address: conversations started an hour. */
    rateLimit: z
      .strictObject({
        messagesPerMinute: z.number().int().min(1).max(600).default(30),
        startsPerHour: z.number().int().min(1).max(10_000).default(20),
      })
      .default({ messagesPerMinute: 30, startsPerHour: 20 }),
  });

/**
 * Video calls from a chat (mediasoup). Each worker listens on one UDP and one TCP port for every
 * call it carries: `port` for the first worker, `port + 1` for the second… so a firewall opens
 * `port` to `port + workers - 1`, UDP and TCP. Several Relais processes on one host need ranges
 * of their own.
 */
export const video = z
  .strictObject({
    /** The visitor may propose a call too (the agent always may). */
    visitorsMayPropose: z.boolean().default(true),
    /** mediasoup workers (one process and one core each); one per core by default. */
    workers: z.number().int().min(1).max(64).optional(),
    /**
     * Calls one worker carries at once; past that a call is refused. 80 calls with screens shared
     * are mediasoup's ~500 consumers a worker; bench/video-load.ts measured 200 calls at 60 % of a
     * core here (without SRTP, which browsers add).
     */
    sessionsPerWorker: z.number().int().min(1).max(500).default(80),
    /** Address the workers listen on. */
    listenIp: z
      .string()
      .regex(/^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-fA-F:]+$/, 'an IPv4 or IPv6 address')
      .default('127.0.0.1'),
    /** What browsers are told to reach (a public IP or host name), when not `listenIp` (NAT, 0.0.0.0). */
    announcedAddress: z.string().min(1).max(253).optional(),
    /** The first worker's UDP and TCP port; 0: any free port (tests). */
    port: z.number().int().min(0).max(65535).default(40000),
    /** A proposal nobody answers is withdrawn after this. */
    proposalSeconds: wholeSeconds(600).default(60),
    /** A side whose page left (reload, network) may come back within this; then the call ends. */
    rejoinSeconds: wholeSeconds(600).default(30),
  })
  .refine((v) => v.announcedAddress || !['0.0.0.0', '::'].includes(v.listenIp), {
    message: 'listening on every address: say which one browsers reach in announcedAddress',
    path: ['announcedAddress'],
  });

/** The agent console: what agents pick from instead of typing. */
export const consoleSettings = z.strictObject({
  /** Ready-made chat answers, French by default. */
  cannedAnswers: z
    .array(z.strictObject({ title: z.string().min(1).max(60), text: z.string().min(1).max(2000) }))
    .max(100)
    .default([
      { title: 'Bonjour', text: 'Bonjour, je suis là pour vous aider. Que puis-je faire pour vous ?' },
      { title: 'Un instant', text: 'Un instant s’il vous plaît, je vérifie cela pour vous.' },
      { title: 'Au revoir', text: 'Merci pour votre message, bonne journée !' },
    ]),
  /** How a chat ended, chosen when closing it (statistics and the customer's timeline). */
  dispositions: z.array(z.string().min(1).max(60)).min(1).max(30).default(['Résolu', 'Vente', 'À suivre', 'Ticket créé', 'Sans suite']),
});
