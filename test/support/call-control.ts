/**
 * An agent's console as the call-control tests drive it: the HTTP API (as the agent), the call
 * notices published on Redis, and peers that keep talking so what each side hears can be checked
 * at any moment of a call.
 */
import type { Redis } from 'ioredis';
import { Redis as RedisClient } from 'ioredis';
import pino from 'pino';
import { expect } from 'vitest';
import { subscribeCallNotices, type AgentCall, type CallNotice } from '../../ivr/call-notices.ts';
import { waitFor } from './calls.ts';
import { API_TOKEN, type TestRelais } from './relais.ts';
import { speechLoopPcap } from './speech-pcap.ts';
import type { PeerStep } from './sipp.ts';

/** A peer that talks for about a minute (the speech sample 8 times over), then waits to be hung up. */
export const talkUntilBye = (): PeerStep[] => [{ play: speechLoopPcap(8) }, { waitBye: true }];

export interface ConsoleReply {
  status: number;
  body: { call?: AgentCall | null; calls?: AgentCall[]; error?: { code: string; message: string; details?: { reason?: string } } };
}

/** The agent console's HTTP requests, as `agent` (through `relais`, any process). */
export function consoleOf(t: TestRelais, agent: string, relais: { http: TestRelais['relais']['http'] } = t.relais) {
  const send = async (method: 'GET' | 'POST', url: string, payload?: object): Promise<ConsoleReply> => {
    const res = await relais.http.inject({
      method,
      url,
      headers: { authorization: `Bearer ${API_TOKEN}`, 'x-relais-agent': agent },
      ...(payload ? { payload } : {}),
    });
    return { status: res.statusCode, body: res.json() };
  };
  return {
    mine: async () => (await send('GET', '/api/calls/mine')).body.calls ?? [],
    hold: (id: string) => send('POST', `/api/calls/${id}/hold`),
    resume: (id: string) => send('POST', `/api/calls/${id}/resume`),
    hangup: (id: string) => send('POST', `/api/calls/${id}/hangup`),
    transfer: (id: string, to: { agent: string } | { team: string }, mode: 'blind' | 'attended' = 'blind') =>
      send('POST', `/api/calls/${id}/transfer`, { to, mode }),
    complete: (id: string) => send('POST', `/api/calls/${id}/transfer/complete`),
    cancel: (id: string) => send('POST', `/api/calls/${id}/transfer/cancel`),
    /** Waits until the agent has a call (their phone answered) and returns it. */
    async call(what = `${agent} has a call`, timeoutMs = 30_000): Promise<AgentCall> {
      let found: AgentCall | undefined;
      await waitFor(what, async () => (found = (await this.mine()).find((c) => c.agent === agent)) !== undefined, timeoutMs);
      return found!;
    },
  };
}

/** Every call notice published by the test's Relais, in order. */
export async function listenToNotices(
  t: TestRelais,
): Promise<{ notices: CallNotice[]; types: (callId: string) => string[]; stop: () => void }> {
  const redis: Redis = new RedisClient(t.config.redis.url);
  const notices: CallNotice[] = [];
  const off = await subscribeCallNotices(redis, t.config.redis.prefix, pino({ level: 'silent' }), (n) => notices.push(n));
  const idOf = (n: CallNotice) => ('call' in n ? n.call.id : n.callId);
  return {
    notices,
    types: (callId) => notices.filter((n) => idOf(n) === callId).map((n) => n.type),
    stop: () => {
      off();
      redis.disconnect();
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A request the console made that Relais carried out. */
export function expectDone(r: ConsoleReply): void {
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}
