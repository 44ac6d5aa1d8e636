/**
 * ARI's REST side over a small pool of kept-alive HTTP connections, with a deadline on every
 * request and errors typed from the HTTP status.
 *
 * Why not ari-client's REST side: under load it opened one connection per request in flight;
 * past Asterisk's HTTP session limit (100) Asterisk refused them, and the library never settled
 * those requests, so calls were silently never answered (bench/ measured it: 49 lost `answer`
 * requests, 49 unanswered calls). It also lost the status of a 404 and spent about a third of
 * Relais' CPU on each event.
 */
import http from 'node:http';
import { AsteriskError, type AsteriskErrorCode } from './errors.ts';

export interface AriEndpoint {
  url: string;
  username: string;
  password: string;
}

export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

/** Well below Asterisk's HTTP session limit (rendered in http.conf), which the event WebSocket also uses. */
export const ARI_CONNECTIONS = 32;
const REQUEST_DEADLINE_MS = 5000;

export class AriHttp {
  // Idle connections close before Asterisk's own keep-alive limit (15 s) would close them under us.
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: ARI_CONNECTIONS, timeout: 10_000 });
  private readonly base: URL;
  private readonly auth: string;

  constructor(readonly endpoint: AriEndpoint) {
    this.base = new URL('/ari/', endpoint.url);
    this.auth = `Basic ${Buffer.from(`${endpoint.username}:${endpoint.password}`).toString('base64')}`;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, query);
  }

  post<T = void>(path: string, query?: Query): Promise<T> {
    return this.request<T>('POST', path, query);
  }

  delete(path: string, query?: Query): Promise<void> {
    return this.request<void>('DELETE', path, query);
  }

  /** Closes the pooled connections. */
  close(): void {
    this.agent.destroy();
  }

  async request<T>(method: string, path: string, query: Query = {}): Promise<T> {
    try {
      return await this.send<T>(method, path, query);
    } catch (err) {
      // A kept-alive connection the server closed just as we reused it: the request never reached
      // Asterisk, so sending it again is safe, even a POST.
      if ((err as AsteriskError).cause instanceof StaleConnection) return this.send<T>(method, path, query);
      throw err;
    }
  }

  private send<T>(method: string, path: string, query: Query): Promise<T> {
    const url = new URL(path, this.base);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    const what = `${method} ${url.pathname}`;
    return new Promise<T>((resolve, reject) => {
      const req = http.request(
        url,
        { method, agent: this.agent, headers: { authorization: this.auth }, timeout: REQUEST_DEADLINE_MS },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => reject(new AsteriskError('ARI_ERR_REQUEST', `${what}: ${err.message}`, { cause: err })));
          res.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              try {
                resolve((body ? JSON.parse(body) : undefined) as T);
              } catch (err) {
                reject(new AsteriskError('ARI_ERR_REQUEST', `${what}: invalid JSON from ARI`, { cause: err }));
              }
              return;
            }
            reject(new AsteriskError(codeOf(status), `${what}: ${status} ${messageOf(body)}`));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_DEADLINE_MS} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        const cause = req.reusedSocket && err.code === 'ECONNRESET' ? new StaleConnection(err.message) : err;
        reject(new AsteriskError('ARI_ERR_REQUEST', `${what}: ${err.message}`, { cause }));
      });
      req.end();
    });
  }
}

class StaleConnection extends Error {}

function codeOf(status: number): AsteriskErrorCode {
  if (status === 404) return 'ARI_ERR_NOT_FOUND';
  if (status === 409 || status === 412 || status === 422) return 'ARI_ERR_CONFLICT';
  return 'ARI_ERR_REQUEST';
}

/** ARI errors are `{"message": "..."}`. */
function messageOf(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body;
  } catch {
    return body.slice(0, 200);
  }
}
