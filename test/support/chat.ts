/** Chat clients for tests: a visitor's and an agent's Socket.IO connection to a test Relais. */
import { io, type Socket } from 'socket.io-client';
import type { Ack } from '../../chat/protocol.ts';
import { API_TOKEN, type TestRelais } from './relais.ts';
import { waitFor } from './calls.ts';

const open = new Set<Socket>();

export interface ChatClient {
  socket: Socket;
  /** Every event received, in order: [name, payload]. */
  events: [string, any][];
  /** Emits and waits for the acknowledgement (5 s deadline). */
  ask<T = any>(event: string, payload: unknown): Promise<Ack<T & Record<string, any>>>;
  received(event: string): any[];
  /** Waits until an event matching `match` arrived; returns it. */
  next(event: string, match?: (payload: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): void;
}

function client(socket: Socket): ChatClient {
  const events: [string, any][] = [];
  socket.onAny((event, payload) => events.push([event, payload]));
  open.add(socket);
  const received = (event: string) => events.filter(([e]) => e === event).map(([, p]) => p);
  return {
    socket,
    events,
    ask: (event, payload) => socket.timeout(5000).emitWithAck(event, payload),
    received,
    async next(event, match = () => true, timeoutMs = 10_000) {
      let found: any;
      await waitFor(`chat event ${event}`, () => (found = received(event).find(match)) !== undefined, timeoutMs);
      return found;
    },
    close: () => {
      socket.disconnect();
      open.delete(socket);
    },
  };
}

const base = (t: TestRelais) => `http://127.0.0.1:${t.config.server.port}`;

/**
 * A visitor on `site`, with a conversation token if they have one; connected, to the test
 * Relais or to another process's chat on `port`, from a page of `origin` (the test Relais' own
 * pages unless said).
 */
export async function visitor(
  t: TestRelais,
  opts: { site?: string; token?: string; port?: number; origin?: string } = {},
): Promise<ChatClient> {
  const socket = io(`${opts.port ? `http://127.0.0.1:${opts.port}` : base(t)}/visitor`, {
    auth: { site: opts.site ?? 'iseedor-shop', ...(opts.token ? { token: opts.token } : {}) },
    transports: ['websocket'],
    extraHeaders: { origin: opts.origin ?? base(t) },
  });
  const c = client(socket);
  await waitFor('visitor connected', () => socket.connected);
  return c;
}

export async function agent(t: TestRelais, id: string, token = API_TOKEN): Promise<ChatClient> {
  const socket = io(`${base(t)}/agent`, { auth: { agent: id, token }, transports: ['websocket'] });
  const c = client(socket);
  await waitFor(`agent ${id} connected`, () => socket.connected);
  return c;
}

export function closeChatClients(): void {
  for (const s of open) s.disconnect();
  open.clear();
}
