/**
 * The SMS that confirms a callback ("ISeedOr vous rappelle vers 14h30."), sent through Twilio's
 * REST API with the official SDK. Every failure comes out as an SmsError whose code tells the
 * caller what to do next and whose message says what Twilio answered.
 */
import twilio from 'twilio';

export interface SmsSettings {
  accountSid: string;
  authToken: string;
  /** The sender: a number in E.164 or an alphanumeric sender ID ("ISeedOr"). */
  from: string;
  /** Twilio's REST API origin; tests point it at a local fake. */
  apiBase?: string;
  /** How long Twilio may stay silent before the send fails; 5 s by default. */
  timeoutMs?: number;
}

export interface SmsSender {
  /** Resolves once Twilio has accepted the message (queued), not when the phone receives it. */
  send(to: string, body: string): Promise<{ sid: string }>;
}

export type SmsErrorCode =
  | 'SMS_ERR_AUTH' // Twilio refused the credentials (401/403): fix the configuration, retrying is useless
  | 'SMS_ERR_REJECTED' // Twilio refused this message (other 4xx: bad number, empty body...): it will refuse it again
  | 'SMS_ERR_UNAVAILABLE' // Twilio unreachable, overloaded (429) or failing (5xx): worth a later retry
  | 'SMS_ERR_TIMEOUT'; // no answer in time: the SMS may have gone out anyway, a retry may send it twice

export class SmsError extends Error {
  override readonly name = 'SmsError';
  constructor(
    readonly code: SmsErrorCode,
    message: string,
    /** What Twilio answered, when it answered: HTTP status and Twilio error code (20003, 21211...). */
    readonly twilio?: { status: number; code?: number },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const DEFAULT_TIMEOUT_MS = 5_000;

type RequestOptions = Parameters<twilio.RequestClient['request']>[0];

/**
 * Sends the SDK's requests to another origin. A custom `httpClient` is the SDK's documented
 * extension point (Twilio's own mock-server guide uses it). Setting `client.api.baseUrl` also
 * reaches the fake, but the client then rewrites the URL's hostname for TWILIO_EDGE/TWILIO_REGION
 * (BaseTwilio.getHostname, which reads process.env), turning "127.0.0.1" into "127.ie1.0.1";
 * here the origin is replaced after that rewrite, so only the path and query are kept.
 */
class OriginRequestClient extends twilio.RequestClient {
  constructor(
    private readonly origin: string | undefined,
    timeout: number,
  ) {
    super({ timeout });
  }

  override request<TData>(opts: RequestOptions & { data?: TData }) {
    if (this.origin === undefined) return super.request<TData>(opts);
    const url = new URL(opts.uri);
    return super.request<TData>({ ...opts, uri: new URL(url.pathname + url.search, this.origin).href });
  }
}

export function twilioSms(settings: SmsSettings): SmsSender {
  const timeout = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Created once: it checks the account SID ("AC...") and keeps its connections alive.
  const client = twilio(settings.accountSid, settings.authToken, {
    // The client's own `timeout` option only reaches the RequestClient it builds itself.
    httpClient: new OriginRequestClient(settings.apiBase?.replace(/\/+$/, ''), timeout),
    // 429 is left to the caller's retry policy, like any other SMS_ERR_UNAVAILABLE.
    autoRetry: false,
  });
  return {
    async send(to, body) {
      try {
        const message = await client.messages.create({ to, from: settings.from, body });
        return { sid: message.sid };
      } catch (err) {
        throw toSmsError(err, timeout);
      }
    },
  };
}

/** Maps what the SDK throws (RestException, its RFC 9457 variant, axios errors) to an SmsError, once. */
function toSmsError(err: unknown, timeout: number): SmsError {
  const e = (err ?? {}) as { status?: unknown; code?: unknown; message?: unknown; title?: unknown; detail?: unknown };
  if (typeof e.status === 'number') {
    // Twilio answered: RestException carries `message`, the RFC 9457 form `title`/`detail`.
    const status = e.status;
    const code = typeof e.code === 'number' ? e.code : undefined;
    const text = [e.title, e.detail].filter((s) => typeof s === 'string' && s).join(': ') || String(e.message ?? '');
    const what = `Twilio answered ${status}${code === undefined ? '' : ` (error ${code})`}: ${text || 'no error body'}`;
    const kind: SmsErrorCode =
      status === 401 || status === 403 ? 'SMS_ERR_AUTH' : status === 429 || status >= 500 ? 'SMS_ERR_UNAVAILABLE' : 'SMS_ERR_REJECTED';
    return new SmsError(kind, what, code === undefined ? { status } : { status, code }, { cause: err });
  }
  // axios reports its own `timeout` as ECONNABORTED (or ETIMEDOUT when asked to be clear).
  if (e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT')
    return new SmsError('SMS_ERR_TIMEOUT', `Twilio did not answer within ${timeout} ms`, undefined, { cause: err });
  const reason = err instanceof Error ? err.message : String(err);
  return new SmsError('SMS_ERR_UNAVAILABLE', `Twilio could not be reached: ${reason}`, undefined, { cause: err });
}

/**
 * The confirmation text, in the company's time zone: "ISeedOr vous rappelle vers 14h30." today,
 * "... demain vers 9h00." tomorrow, "... lundi 30 novembre vers 9h00." later.
 *
 * It must stay in GSM-7 (one segment up to 160 characters): a single character outside it makes
 * the whole SMS UCS-2, where a segment holds 70. GSM-7 has à é è ù ì ò É Ç but not â ê î ô û ç
 * (nor ë ï œ): the fixed words avoid them, and "août" is written "aout" (allowed by the 1990
 * spelling reform). Only the company name can bring such characters in.
 */
export function confirmationText(company: string, at: Date, timezone: string, now: Date): string {
  const day = localDay(at, timezone);
  const today = localDay(now, timezone);
  const time = `${day.hour}h${day.minute}`;
  if (day.date === today.date) return `${company} vous rappelle vers ${time}.`;
  if (day.date === nextDate(today.date)) return `${company} vous rappelle demain vers ${time}.`;
  const dayOfMonth = day.day === '1' ? '1er' : day.day;
  return `${company} vous rappelle ${day.weekday} ${dayOfMonth} ${day.month.replace('û', 'u')} vers ${time}.`;
}

function localDay(d: Date, timeZone: string) {
  const parts = new Intl.DateTimeFormat('fr-FR', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(d);
  const names = new Intl.DateTimeFormat('fr-FR', { timeZone, weekday: 'long', month: 'long' }).formatToParts(d);
  const part = (type: Intl.DateTimeFormatPartTypes, from = parts) => from.find((p) => p.type === type)?.value ?? '';
  return {
    /** YYYY-MM-DD, to compare calendar days whatever the offset. */
    date: `${part('year')}-${part('month')}-${part('day').padStart(2, '0')}`,
    day: String(Number(part('day'))),
    hour: String(Number(part('hour'))),
    minute: part('minute'),
    weekday: part('weekday', names),
    month: part('month', names),
  };
}

/** The calendar day after a YYYY-MM-DD date (done in UTC, where every day lasts 24 hours). */
function nextDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}
