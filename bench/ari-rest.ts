/**
 * Relais' ARI REST requests as this process sees them, through Node's own HTTP diagnostics
 * channels (no patching of Relais): latency per kind of request, from creation
 * (so waiting for a pooled connection counts) to the end of the response, and the requests that
 * failed at the transport level or never ended.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { percentile } from './stats.ts';

export interface RestKindStats {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export interface RestStats {
  byKind: Record<string, RestKindStats>;
  /** Requests that got a socket error (the connection was dropped). */
  transportErrors: number;
  /** Requests still without a response when the level ended. */
  pending: number;
}

/** `POST /ari/channels/bench-1.2/answer` → `POST channels/:id/answer`. */
function kindOf(method: string, path: string): string {
  const parts = path
    .split('?')[0]!
    .replace(/^\/ari\//, '')
    .split('/');
  return `${method} ${parts.map((p, i) => (i % 2 === 1 ? ':id' : p)).join('/')}`;
}

export class AriRestWatch {
  private readonly started = new Map<ClientRequest, { kind: string; at: number }>();
  private done: Record<string, number[]> = {};
  private errors = 0;

  /** `port`: Asterisk's HTTP port; other HTTP traffic of this process is ignored. */
  constructor(private readonly port: number) {
    subscribe('http.client.request.start', (m) => {
      const { request } = m as { request: ClientRequest };
      if (!String(request.getHeader('host') ?? '').endsWith(`:${this.port}`) || !request.path.startsWith('/ari/')) return;
      this.started.set(request, { kind: kindOf(request.method, request.path), at: performance.now() });
    });
    subscribe('http.client.response.finish', (m) => {
      const { request } = m as { request: ClientRequest; response: IncomingMessage };
      const s = this.started.get(request);
      if (!s) return;
      this.started.delete(request);
      (this.done[s.kind] ??= []).push(performance.now() - s.at);
    });
    subscribe('http.client.request.error', (m) => {
      const { request } = m as { request: ClientRequest };
      if (this.started.delete(request)) this.errors += 1;
    });
  }

  /** What happened since the last call; requests still pending are counted, then forgotten. */
  take(): RestStats {
    const byKind: Record<string, RestKindStats> = {};
    for (const [kind, ms] of Object.entries(this.done)) {
      const sorted = ms.sort((a, b) => a - b);
      byKind[kind] = { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
    }
    const stats = { byKind, transportErrors: this.errors, pending: this.started.size };
    this.done = {};
    this.errors = 0;
    this.started.clear();
    return stats;
  }
}

export function restLine(s: RestStats): string {
  const kinds = Object.entries(s.byKind)
    .sort(([, a], [, b]) => b.n - a.n)
    .map(([k, v]) => `${k} ×${v.n} p50 ${v.p50.toFixed(0)} p99 ${v.p99.toFixed(0)} max ${v.max.toFixed(0)} ms`);
  return `  ARI REST: ${kinds.join('; ')}; dropped connections ${s.transportErrors}, still pending ${s.pending}`;
}
