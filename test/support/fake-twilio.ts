/**
 * A local stand-in for Twilio's Messages API, speaking its wire format (API 2010-04-01): form-encoded
 * requests with HTTP basic auth, Twilio's error JSON (`code`, `message`, `more_info`, `status`) and
 * its message resource. Tests point the real SDK at it, so what is checked is what Twilio would get.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeTwilio {
  /** Origin to give as `apiBase` (http://127.0.0.1:port). */
  url: string;
  accountSid: string;
  authToken: string;
  /** Messages accepted (201), in order. */
  messages: { to: string; from: string; body: string }[];
  /** The next `n` requests get a 500, whatever they carry. */
  failNext(n: number): void;
  /** Answers after `ms` from now on (0 to stop); the request is still processed on arrival. */
  delayMs(ms: number): void;
  close(): Promise<void>;
}

const E164 = /^\+[1-9]\d{1,14}$/;
// Alphanumeric sender IDs: up to 11 letters, digits and spaces, with at least one letter.
const SENDER_ID = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;
const MAX_BODY = 1600;

// GSM 03.38 default alphabet, and its extension table whose characters take two septets.
const GSM7 = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM7_EXTENSION = new Set('\f^{}\\[~]|€');

/** How a carrier splits a body: GSM-7 (160 a segment, 153 when concatenated) or else UCS-2 (70, 67). */
export function smsSegments(body: string): { encoding: 'GSM-7' | 'UCS-2'; segments: number } {
  const chars = [...body];
  if (chars.every((c) => GSM7.has(c) || GSM7_EXTENSION.has(c))) {
    const septets = chars.reduce((n, c) => n + (GSM7_EXTENSION.has(c) ? 2 : 1), 0);
    return { encoding: 'GSM-7', segments: septets <= 160 ? 1 : Math.ceil(septets / 153) };
  }
  return { encoding: 'UCS-2', segments: body.length <= 70 ? 1 : Math.ceil(body.length / 67) };
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
// Twilio dates are RFC 2822 with a numeric zone: "Thu, 24 Aug 2023 05:01:45 +0000".
const rfc2822 = (d: Date) => d.toUTCString().replace('GMT', '+0000');

export async function startFakeTwilio(): Promise<FakeTwilio> {
  const accountSid = `AC${hex(16)}`;
  const authToken = hex(16);
  const messages: FakeTwilio['messages'] = [];
  let failures = 0;
  let delay = 0;
  const timers = new Set<NodeJS.Timeout>();

  const answer = (res: ServerResponse, status: number, json: object) => {
    const send = () => {
      if (res.destroyed) return; // the client gave up (timeout)
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Twilio-Request-Id': `RQ${hex(16)}` });
      res.end(JSON.stringify(json));
    };
    if (delay <= 0) return send();
    const t = setTimeout(() => {
      timers.delete(t);
      send();
    }, delay);
    timers.add(t);
  };
  const error = (res: ServerResponse, status: number, code: number, message: string) =>
    answer(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const route = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(path);
    if (!route) return error(res, 404, 20404, `The requested resource ${path} was not found`);
    if (failures > 0) {
      failures--;
      return error(res, 500, 20500, 'Internal Server Error');
    }
    if (!authorised(req.headers.authorization, accountSid, authToken) || route[1] !== accountSid)
      return error(res, 401, 20003, 'Authenticate');
    if (req.method !== 'POST') return error(res, 405, 20004, 'Method not allowed');

    const form = new URLSearchParams(await readBody(req));
    const to = form.get('To') ?? '';
    const from = form.get('From') ?? '';
    const body = form.get('Body') ?? '';
    if (!to) return error(res, 400, 21604, "A 'To' phone number is required.");
    if (!E164.test(to)) return error(res, 400, 21211, `Invalid 'To' Phone Number: ${to}`);
    if (!from) return error(res, 400, 21603, "A 'From' phone number is required.");
    if (!E164.test(from) && !SENDER_ID.test(from))
      return error(res, 400, 21212, `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`);
    if (!body) return error(res, 400, 21602, 'Message body is required.');
    if ([...body].length > MAX_BODY) return error(res, 400, 21617, 'The concatenated message body exceeds the 1600 character limit.');

    messages.push({ to, from, body });
    const sid = `SM${hex(16)}`;
    const now = rfc2822(new Date());
    const uri = `/2010-04-01/Accounts/${accountSid}/Messages/${sid}`;
    answer(res, 201, {
      account_sid: accountSid,
      api_version: '2010-04-01',
      body,
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from,
      messaging_service_sid: null,
      num_media: '0',
      num_segments: String(smsSegments(body).segments),
      price: null,
      price_unit: 'USD',
      sid,
      status: 'queued',
      subresource_uris: { media: `${uri}/Media.json` },
      to,
      uri: `${uri}.json`,
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => error(res, 400, 20001, 'Bad request'));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    messages,
    failNext: (n) => void (failures = n),
    delayMs: (ms) => void (delay = ms),
    close: () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      // The SDK keeps connections alive; without this, close() waits for them to idle out.
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

function authorised(header: string | undefined, user: string, password: string): boolean {
  const m = /^Basic (.+)$/i.exec(header ?? '');
  if (!m?.[1]) return false;
  const decoded = Buffer.from(m[1], 'base64').toString();
  const colon = decoded.indexOf(':');
  return colon >= 0 && decoded.slice(0, colon) === user && decoded.slice(colon + 1) === password;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 64_000) throw new Error('body too large');
    chunks.push(chunk);
  }
  // Decoded once at the end: a chunk boundary may split a multi-byte character.
  return Buffer.concat(chunks).toString('utf8');
}
