/**
 * The chat server on real Redis, PostgreSQL (and the osTicket stand-in on MariaDB), through real
 * Socket.IO clients: visitor and agent talk through the routing core; messages are stored before
 * they are acknowledged, never doubled, ordered, kept across reconnects and a Relais restart; a
 * visitor reaches only their own conversation; bad payloads get errors and change nothing.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { identitySignature } from '../../chat/signatures.ts';
import { startFakeOsticket, type FakeOsticket } from '../../demo/fake-osticket.ts';
import { waitFor } from '../support/calls.ts';
import { agent, closeChatClients, visitor, type ChatClient } from '../support/chat.ts';
import { freshMariaDb, type FreshMariaDb } from '../support/mariadb.ts';
import { startSecondChat } from '../support/second-chat.ts';
import { API_TOKEN, CHAT_SHOP_SECRET, startTestRelais, type TestRelais } from '../support/relais.ts';

let t: TestRelais;
let helpdeskDb: FreshMariaDb;
let helpdesk: FakeOsticket;

beforeAll(async () => {
  helpdeskDb = await freshMariaDb();
  helpdesk = await startFakeOsticket({ database: { url: helpdeskDb.url } });
  t = await startTestRelais({
    patch: (c) => {
      // Every visitor of this suite comes from 127.0.0.1.
      c.chat = { ...c.chat!, rateLimit: { messagesPerMinute: 30, startsPerHour: 1000 } };
      c.customers = {
        ...c.customers,
        osticket: {
          url: helpdesk.url,
          apiKey: { env: 'RELAIS_OSTICKET_API_KEY' },
          database: { url: { env: 'RELAIS_OSTICKET_DATABASE_URL' } },
        },
      };
    },
    env: { RELAIS_OSTICKET_API_KEY: helpdesk.apiKey, RELAIS_OSTICKET_DATABASE_URL: helpdeskDb.url },
  });
});
afterEach(async () => {
  // Agents' conversations end with the test, so each test finds them free.
  for (const id of ['denis', 'gary']) {
    const a = await agent(t, id);
    const mine = await a.ask('mine', {});
    for (const c of mine.ok ? mine.conversations : []) await a.ask('close', { conversationId: c.conversation.id });
  }
  closeChatClients();
  for (const id of Object.keys(t.config.staff)) await t.relais.routing.setPresence(id, 'offline');
});
afterAll(async () => {
  await t?.stop();
  await helpdesk?.close();
  await helpdeskDb?.drop();
});

const form = { topic: 'sales', name: 'Marie Dupont', email: 'marie.dupont@example.fr' };

/** A visitor who started a conversation that Denis (sales) took. */
async function talking(): Promise<{ v: ChatClient; a: ChatClient; token: string; id: string }> {
  await t.relais.routing.setPresence('denis', 'available');
  const a = await agent(t, 'denis');
  const v = await visitor(t);
  const started = await v.ask('start', form);
  expect(started).toMatchObject({ ok: true, conversation: { status: 'waiting', team: 'sales' } });
  const mine = started.ok ? started.conversation.id : '';
  const offer = await a.next('offer', (o) => o.conversation.id === mine);
  const accepted = await a.ask('accept', { conversationId: offer.conversation.id, offerId: offer.offerId });
  expect(accepted.ok).toBe(true);
  return { v, a, token: started.ok ? started.token : '', id: offer.conversation.id };
}

describe('a visitor and an agent', () => {
  it('talk both ways, see typing and read state; a resent message is stored once', async () => {
    const { v, a, id } = await talking();
    // The visitor sees who answers.
    expect(await v.next('conversation', (c) => c.status === 'active')).toMatchObject({ agent: { name: 'Denis Douc' } });
    expect((await v.next('message', (m) => m.from === 'system')).text).toBe('Denis Douc a rejoint la conversation.');

    const hello = { id: randomUUID(), text: 'Bonjour, ma seedbox est lente' };
    const sent = await v.ask('send', hello);
    expect(sent).toMatchObject({ ok: true, message: { id: hello.id, from: 'visitor', author: 'Marie Dupont', text: hello.text } });
    expect((await a.next('message', (m) => m.id === hello.id)).conversationId).toBe(id);

    await v.ask('typing', { typing: true });
    expect(await a.next('typing')).toEqual({ conversationId: id, typing: true });

    const reply = await a.ask('send', { conversationId: id, id: randomUUID(), text: 'Je regarde cela tout de suite.' });
    expect(reply.ok).toBe(true);
    expect(await v.next('message', (m) => m.from === 'agent')).toMatchObject({
      author: 'Denis Douc',
      text: 'Je regarde cela tout de suite.',
    });

    const seq = sent.ok ? sent.message.seq : 0;
    await a.ask('read', { conversationId: id, seq });
    expect(await v.next('conversation', (c) => c.readByAgent >= seq)).toMatchObject({ readByAgent: seq });

    // The same message again (a resend after a lost acknowledgement): the same seq, nothing new.
    const again = await v.ask('send', hello);
    expect(again).toMatchObject({ ok: true, message: { seq } });
    await new Promise((r) => setTimeout(r, 300));
    expect(a.received('message').filter((m) => m.id === hello.id)).toHaveLength(1);
    const history = await v.ask('history', { after: 0 });
    expect(history.ok && history.messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3]);
  });

  it('keeps the conversation across a reconnect and a Relais restart: nothing lost, nothing doubled', async () => {
    const { v, token } = await talking();
    const first = { id: randomUUID(), text: 'Premier message' };
    expect((await v.ask('send', first)).ok).toBe(true);
    v.close();

    // Reloaded page: the token from localStorage reopens the conversation with its history.
    const back = await visitor(t, { token });
    const history = await back.ask('history', { after: 0 });
    expect(history.ok && history.messages.map((m: { text: string }) => m.text)).toEqual([
      'Denis Douc a rejoint la conversation.',
      'Premier message',
    ]);

    // Relais restarts while the visitor types: what they send meanwhile is buffered by the client,
    // delivered after the reconnection, and stored once even when sent twice.
    const during = { id: randomUUID(), text: 'Envoyé pendant le redémarrage' };
    await t.restart(async () => {
      await waitFor('the visitor noticed', () => !back.socket.connected, 5000);
      back.socket.emit('send', during, () => undefined);
    });
    await waitFor('reconnected', () => back.socket.connected, 15_000);
    expect(await back.ask('send', during)).toMatchObject({ ok: true, message: { text: during.text } });
    const after = await back.ask('history', { after: 0 });
    expect(after.ok && after.messages.filter((m: { id: string }) => m.id === during.id)).toHaveLength(1);
    expect(after.ok && after.messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3]);
  });

  it('ends: the agent closes, the visitor is told, can rate it, and can send nothing more', async () => {
    const { v, a, id } = await talking();
    expect((await t.relais.routing.agent('denis')).active.chat).toBe(1);
    expect((await a.ask('close', { conversationId: id })).ok).toBe(true);
    expect(await v.next('conversation', (c) => c.status === 'ended')).toMatchObject({ status: 'ended' });
    expect((await v.next('message', (m) => /close/.test(m.text))).from).toBe('system');
    expect(await v.ask('rate', { rating: 'good' })).toEqual({ ok: true });
    expect(await v.ask('send', { id: randomUUID(), text: 'encore' })).toMatchObject({ ok: false, error: { code: 'CHAT_ERR_ENDED' } });
    // Denis is free for the next chat.
    expect((await t.relais.routing.agent('denis')).active.chat ?? 0).toBe(0);
    // The chat is on Marie's timeline: answered by Denis, ended.
    const auth = { authorization: `Bearer ${API_TOKEN}` };
    const api = `http://127.0.0.1:${t.config.server.port}/api/customers`;
    const [marie] = await (await fetch(`${api}?q=marie.dupont@example.fr`, { headers: auth })).json();
    await waitFor('chat ended on the timeline', async () => {
      const { entries } = await (await fetch(`${api}/${marie.id}/timeline`, { headers: auth })).json();
      return entries.some((e: { id: string; outcome: string }) => e.id === id && e.outcome === 'answered');
    });
    const { entries } = await (await fetch(`${api}/${marie.id}/timeline`, { headers: auth })).json();
    expect(entries.find((e: { id: string }) => e.id === id)).toMatchObject({
      channel: 'chat',
      team: 'sales',
      agent: 'denis',
      contact: 'marie.dupont@example.fr',
    });
  });
});

describe('messages at once, and storage away', () => {
  it('the visitor and the agent writing at once: every message acknowledged, numbered without a gap, seen in one order on both sides', async () => {
    const { v, a, id } = await talking();
    const texts = {
      visitor: Array.from({ length: 15 }, (_, i) => `visiteur ${i}`),
      agent: Array.from({ length: 15 }, (_, i) => `agent ${i}`),
    };
    // The visitor's all at once (nothing is read before a visitor's message is written, so they
    // keep their order of arrival); the agent's page sends as the agent types, meanwhile.
    const visitorBurst = Promise.all(texts.visitor.map((text) => v.ask('send', { id: randomUUID(), text })));
    const agentTyping = (async () => {
      const answers = [];
      for (const text of texts.agent) answers.push(await a.ask('send', { conversationId: id, id: randomUUID(), text }));
      return answers;
    })();
    expect([...(await visitorBurst), ...(await agentTyping)].every((r) => r.ok)).toBe(true);
    const history = await v.ask('history', { after: 0 });
    const stored: { seq: number; from: string; text: string }[] = history.ok ? history.messages : [];
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
    // Each side's messages in the order they were sent; both sides received the same sequence.
    for (const from of ['visitor', 'agent'] as const) expect(stored.filter((m) => m.from === from).map((m) => m.text)).toEqual(texts[from]);
    // The agent's page joined the room after the greeting line (seq 1): from seq 2 on, both see everything, in order.
    await waitFor('every message echoed', () => a.received('message').length >= 30 && v.received('message').length >= 31);
    const seqs = (c: ChatClient) => c.received('message').map((m: { seq: number }) => m.seq);
    expect(seqs(v)).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
    expect(seqs(a)).toEqual(seqs(v).slice(1));
  });

  it('PostgreSQL refusing writes for a moment: the sends are refused as unavailable, their resends stored once', async () => {
    const { v, a } = await talking();
    const admin = new pg.Client({ connectionString: t.config.postgres.url });
    await admin.connect();
    const messages = Array.from({ length: 3 }, (_, i) => ({ id: randomUUID(), text: `pendant la panne ${i}` }));
    try {
      await admin.query('alter table chat_messages rename to chat_messages_away');
      const refused = await Promise.all(messages.map((m) => v.ask('send', m)));
      expect(refused).toEqual(messages.map(() => ({ ok: false, error: { code: 'CHAT_ERR_UNAVAILABLE', message: expect.any(String) } })));
    } finally {
      await admin.query('alter table chat_messages_away rename to chat_messages').catch(() => undefined);
      await admin.end();
    }
    // The widget's outbox resends them, in order; the first twice (its answer was lost).
    for (const m of [messages[0]!, ...messages]) expect(await v.ask('send', m)).toMatchObject({ ok: true, message: { text: m.text } });
    const history = await v.ask('history', { after: 0 });
    expect(history.ok && history.messages.map((m: { seq: number; text: string }) => [m.seq, m.text])).toEqual([
      [1, 'Denis Douc a rejoint la conversation.'],
      ...messages.map((m, i) => [i + 2, m.text]),
    ]);
    await waitFor('the agent got them', () => messages.every((m) => a.received('message').some((x) => x.id === m.id)));
    expect(a.received('message').filter((x) => messages.some((m) => m.id === x.id))).toHaveLength(3);
  });
});

describe('waiting in the queue', () => {
  it('each visitor sees their place; when someone ahead leaves, those behind see theirs within a second; arrivals behind move nobody', async () => {
    // Denis's chat page is open, so chats are accepted, but he is paused: nobody is offered one.
    await t.relais.routing.setPresence('denis', 'paused', 'réunion');
    await agent(t, 'denis');
    const waiting = [await visitor(t), await visitor(t), await visitor(t)];
    const tokens: string[] = [];
    for (const [i, v] of waiting.entries()) {
      const started = await v.ask('start', { ...form, email: `file-${i}@example.fr` });
      expect(started).toMatchObject({ ok: true, conversation: { status: 'waiting', position: i + 1 } });
      tokens.push(started.ok ? started.token : '');
    }
    // The queue changed twice behind the first visitor: nothing to tell them.
    await new Promise((r) => setTimeout(r, 1500));
    expect(waiting[0]!.received('conversation')).toEqual([]);
    // The third reloads their page: the process learns again that they wait here.
    waiting[2]!.close();
    waiting[2] = await visitor(t, { token: tokens[2] });

    const left = Date.now();
    expect(await waiting[0]!.ask('end', {})).toEqual({ ok: true });
    expect(await waiting[1]!.next('conversation', (c) => c.position === 1, 3000)).toMatchObject({ status: 'waiting', team: 'sales' });
    expect(await waiting[2]!.next('conversation', (c) => c.position === 2, 3000)).toMatchObject({ status: 'waiting', team: 'sales' });
    expect(Date.now() - left).toBeLessThan(1500);
    // Told once each, only what changed.
    expect(waiting[2]!.received('conversation').map((c) => c.position)).toEqual([2]);
    for (const v of waiting.slice(1)) expect(await v.ask('end', {})).toEqual({ ok: true });
  });
});

describe('writing while waiting', () => {
  it('what the visitor wrote before an agent took the chat is in the conversation the agent takes, in order', async () => {
    await t.relais.routing.setPresence('denis', 'paused', 'réunion');
    const a = await agent(t, 'denis');
    const v = await visitor(t);
    const started = await v.ask('start', form);
    const id = started.ok ? started.conversation.id : '';
    const early = ['Bonjour', 'Ma seedbox ne démarre plus'];
    for (const text of early) expect((await v.ask('send', { id: randomUUID(), text })).ok).toBe(true);
    await t.relais.routing.setPresence('denis', 'available');
    const offer = await a.next('offer', (o) => o.conversation.id === id);
    expect(offer.preview).toBe('Ma seedbox ne démarre plus');
    const accepted = await a.ask('accept', { conversationId: id, offerId: offer.offerId });
    expect(accepted.ok && accepted.messages.map((m: { text: string }) => m.text)).toEqual([
      ...early,
      'Denis Douc a rejoint la conversation.',
    ]);
    const after = { id: randomUUID(), text: 'Vous êtes là ?' };
    expect((await v.ask('send', after)).ok).toBe(true);
    expect(await a.next('message', (m) => m.id === after.id)).toMatchObject({ conversationId: id, seq: 4 });
  });
});

describe('two Relais processes', () => {
  it('a visitor on one, the agent on the other: the place in the queue, the offer, messages both ways, typing, the end', async () => {
    const other = await startSecondChat(t);
    try {
      await t.relais.routing.setPresence('denis', 'paused', 'réunion');
      const a = await agent(t, 'denis');
      const ahead = await visitor(t, { port: other.port });
      const v = await visitor(t, { port: other.port });
      expect(await ahead.ask('start', { ...form, email: 'devant@example.fr' })).toMatchObject({ ok: true, conversation: { position: 1 } });
      const started = await v.ask('start', form);
      expect(started).toMatchObject({ ok: true, conversation: { position: 2 } });
      const id = started.ok ? started.conversation.id : '';
      // The one ahead leaves: the visitor's own process tells them their new place.
      expect(await ahead.ask('end', {})).toEqual({ ok: true });
      expect(await v.next('conversation', (c) => c.position === 1, 3000)).toMatchObject({ status: 'waiting' });
      // Denis, on the first process, is offered the chat and takes it.
      await t.relais.routing.setPresence('denis', 'available');
      const offer = await a.next('offer', (o) => o.conversation.id === id);
      expect((await a.ask('accept', { conversationId: id, offerId: offer.offerId })).ok).toBe(true);
      expect(await v.next('conversation', (c) => c.status === 'active')).toMatchObject({ agent: { name: 'Denis Douc' } });
      const hello = { id: randomUUID(), text: "Bonjour depuis l'autre processus" };
      expect((await v.ask('send', hello)).ok).toBe(true);
      expect((await a.next('message', (m) => m.id === hello.id)).conversationId).toBe(id);
      expect((await a.ask('send', { conversationId: id, id: randomUUID(), text: 'Bien reçu' })).ok).toBe(true);
      expect(await v.next('message', (m) => m.text === 'Bien reçu')).toMatchObject({ from: 'agent', author: 'Denis Douc' });
      await v.ask('typing', { typing: true });
      expect(await a.next('typing')).toEqual({ conversationId: id, typing: true });
      expect((await a.ask('close', { conversationId: id })).ok).toBe(true);
      expect(await v.next('conversation', (c) => c.status === 'ended')).toMatchObject({ status: 'ended' });
    } finally {
      await other.stop();
    }
  });
});

describe('Redis losing its data', () => {
  it('loses no waiting visitor: the conversation goes back in its queue from PostgreSQL', async () => {
    await t.relais.routing.setPresence('denis', 'paused', 'réunion');
    const a = await agent(t, 'denis');
    const v = await visitor(t);
    const started = await v.ask('start', form);
    expect(started.ok).toBe(true);
    const id = started.ok ? started.conversation.id : '';
    expect((await t.relais.routing.teamSnapshot('sales')).waiting).toBe(1);
    // While Redis has it, the minute's check puts nothing back.
    expect(await t.relais.chat!.reconcile()).toBe(0);
    // Redis comes back empty (no persistence): the routing core knows nothing any more.
    const redis = new Redis(t.config.redis.url);
    const keys = await redis.keys(`${t.config.redis.prefix}:*`);
    await redis.del(...keys);
    redis.disconnect();
    expect((await t.relais.routing.teamSnapshot('sales')).waiting).toBe(0);
    expect(await t.relais.chat!.reconcile()).toBe(1);
    // Denis opens his chat page again and comes back: the visitor is offered to him.
    await t.relais.routing.setChatReady('denis', true);
    await t.relais.routing.setPresence('denis', 'available');
    const offer = await a.next('offer', (o) => o.conversation.id === id);
    expect((await a.ask('accept', { conversationId: id, offerId: offer.offerId })).ok).toBe(true);
    expect(await v.next('conversation', (c) => c.status === 'active')).toMatchObject({ agent: { name: 'Denis Douc' } });
  });
});

describe('who may read what', () => {
  it('a visitor reaches only their own conversation: a swapped or forged token opens nothing', async () => {
    const { token } = await talking();
    const forged = token.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    const intruder = await visitor(t, { token: forged });
    expect(await intruder.next('error')).toMatchObject({ code: 'CHAT_ERR_UNAUTHORISED' });
    expect(await intruder.ask('history', { after: 0 })).toMatchObject({ ok: false, error: { code: 'CHAT_ERR_NOT_FOUND' } });
    // An unknown site key is refused outright.
    const nowhere = await import('socket.io-client').then(({ io }) =>
      io(`http://127.0.0.1:${t.config.server.port}/visitor`, { auth: { site: 'evil-site' }, transports: ['websocket'] }),
    );
    const refused = await new Promise<Error>((resolve) => nowhere.on('connect_error', resolve));
    expect(refused.message).toMatch(/CHAT_ERR_UNAUTHORISED/);
    nowhere.disconnect();
  });

  it("an agent cannot write in a colleague's conversation, and a wrong token is no agent", async () => {
    const { id } = await talking();
    await t.relais.routing.setPresence('gary', 'available');
    const gary = await agent(t, 'gary');
    expect(await gary.ask('send', { conversationId: id, id: randomUUID(), text: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'CHAT_ERR_NOT_FOUND' },
    });
    const { io } = await import('socket.io-client');
    const fake = io(`http://127.0.0.1:${t.config.server.port}/agent`, {
      auth: { agent: 'denis', token: `${API_TOKEN}x` },
      transports: ['websocket'],
    });
    expect((await new Promise<Error>((resolve) => fake.on('connect_error', resolve))).message).toMatch(/CHAT_ERR_UNAUTHORISED/);
    fake.disconnect();
  });

  it('a customer signed in on the shop is shown to the agent as verified, with their record; a forged signature is refused', async () => {
    await t.relais.routing.setPresence('denis', 'available');
    const a = await agent(t, 'denis');
    // The host page signs with the time it has: the suite's clock here.
    const ts = Math.floor(t.now().getTime() / 1000);
    const who = { email: 'sophie.bernard@example.fr', name: 'Sophie Bernard', ts };
    const v = await visitor(t);
    const forged = await v.ask('start', { topic: 'sales', identity: { ...who, sig: identitySignature('not-the-secret', who) } });
    expect(forged).toMatchObject({ ok: false, error: { code: 'CHAT_ERR_FORGED' } });
    const signed = await v.ask('start', { topic: 'sales', identity: { ...who, sig: identitySignature(CHAT_SHOP_SECRET, who) } });
    expect(signed).toMatchObject({ ok: true });
    const offer = await a.next('offer', (o) => o.conversation.id === (signed.ok && signed.conversation.id));
    expect(offer.visitor).toMatchObject({
      name: 'Sophie Bernard',
      email: 'sophie.bernard@example.fr',
      verified: true,
      customer: { name: 'Sophie Bernard' },
    });
    // The visitor leaves before anyone answers: the conversation leaves the queue.
    expect(await v.ask('end', {})).toEqual({ ok: true });
    expect((await t.relais.routing.teamSnapshot('sales')).waiting).toBe(0);
  });
});

describe('nobody to answer', () => {
  it('refuses to start a chat nobody would answer, and takes a message that becomes a ticket', async () => {
    // Gary is available for calls on his desk phone, but has no chat page open: no chat for him.
    await t.relais.routing.setPresence('gary', 'available');
    const v = await visitor(t);
    expect(await v.ask('start', { ...form, topic: 'technical' })).toMatchObject({ ok: false, error: { code: 'CHAT_ERR_CLOSED' } });
    const left = await v.ask('leaveMessage', {
      topic: 'technical',
      name: 'Julien Martin',
      email: 'julien.martin@example.fr',
      text: 'Mon serveur ne répond plus.',
    });
    expect(left).toMatchObject({ ok: true, outcome: { kind: 'ticket', ticket: expect.stringMatching(/^\d{6}$/) } });
    expect(helpdesk.tickets.at(-1)).toMatchObject({
      name: 'Julien Martin',
      email: 'julien.martin@example.fr',
      subject: 'Message laissé sur le chat (Boutique ISeedOr)',
      message: 'Mon serveur ne répond plus.',
    });
  });
});

describe('bad input', () => {
  it('1,000 malformed payloads get errors and change nothing; the server goes on', async () => {
    const { v, a, id } = await talking();
    const bad: [string, unknown][] = [
      ['send', null],
      ['send', 'text'],
      ['send', { id: 'not-a-uuid', text: 'x' }],
      ['send', { id: randomUUID(), text: '' }],
      ['send', { id: randomUUID(), text: 'x'.repeat(4001) }],
      ['send', { id: randomUUID(), text: 'x', extra: true }],
      // PostgreSQL cannot store it: refused before, never retried by the client.
      ['send', { id: randomUUID(), text: 'a\u0000b' }],
      ['typing', { typing: 'yes' }],
      ['read', { seq: -1 }],
      ['history', { after: 'all' }],
      ['start', { topic: '../../etc' }],
      ['leaveMessage', { topic: 'sales', name: 'x', email: 'not-an-email', text: 'x' }],
      ['rate', { rating: 11 }],
    ];
    const before = await v.ask('history', { after: 0 });
    let refused = 0;
    // Spread over several connections: one connection past its rate limit is refused as a whole.
    for (let round = 0; round < 10; round++) {
      const c = round === 0 ? v : await visitor(t);
      for (let i = 0; i < 100; i++) {
        const [event, payload] = bad[(round * 100 + i) % bad.length]!;
        const answer = await c.ask(event, payload);
        if (!answer.ok && ['CHAT_ERR_INVALID', 'CHAT_ERR_NOT_FOUND', 'CHAT_ERR_RATE_LIMITED'].includes(answer.error.code)) refused++;
      }
    }
    expect(refused).toBe(1000);
    // Without an acknowledgement callback: an error event, not silence.
    v.socket.emit('send', { id: randomUUID(), text: 'no ack' });
    expect(await v.next('error')).toMatchObject({ code: 'CHAT_ERR_INVALID', event: 'send' });
    const after = await v.ask('history', { after: 0 });
    expect(after.ok && after.messages).toEqual(before.ok && before.messages);
    // Still working, for this conversation too.
    expect((await v.ask('send', { id: randomUUID(), text: 'toujours là' })).ok).toBe(true);
    expect(await a.next('message', (m) => m.text === 'toujours là' && m.conversationId === id)).toBeTruthy();
    expect((await fetch(`http://127.0.0.1:${t.config.server.port}/health`)).status).toBe(200);
  });
});

describe('attachments', () => {
  const PNG = Buffer.from(
    '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4e80000000049454e44ae426082',
    'hex',
  );
  const upload = (bearer: string, body: Buffer, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${t.config.server.port}/chat/attachments`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${bearer}`,
        'content-type': 'image/png',
        'x-filename': encodeURIComponent('capture écran.png'),
        ...headers,
      },
      body: new Uint8Array(body),
    });

  it('an image sent by the visitor reaches the agent, and only that conversation can fetch it', async () => {
    const { v, a, token, id } = await talking();
    const res = await upload(token, PNG);
    expect(res.status).toBe(201);
    const file = await res.json();
    expect(file).toMatchObject({ name: 'capture écran.png', type: 'image/png', size: PNG.length });
    expect((await v.ask('send', { id: randomUUID(), attachment: file.id })).ok).toBe(true);
    const got = await a.next('message', (m) => m.attachment?.id === file.id);
    expect(got).toMatchObject({ conversationId: id, text: '', attachment: { name: 'capture écran.png', type: 'image/png' } });

    // The agent of the conversation fetches it; the bytes are the ones sent, never sniffed by the browser.
    const base = `http://127.0.0.1:${t.config.server.port}/chat/attachments/${file.id}`;
    const asAgent = await fetch(`${base}?conversation=${id}`, {
      headers: { authorization: `Bearer ${API_TOKEN}`, 'x-relais-agent': 'denis' },
    });
    expect(asAgent.status).toBe(200);
    expect(asAgent.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await asAgent.arrayBuffer()).equals(PNG)).toBe(true);
    // Another visitor, another agent, no token: nothing.
    const other = await visitor(t);
    const otherStart = await other.ask('start', { ...form, email: 'autre@example.fr' });
    const otherToken = otherStart.ok ? otherStart.token : '';
    expect((await fetch(base, { headers: { authorization: `Bearer ${otherToken}` } })).status).toBe(404);
    expect(
      (await fetch(`${base}?conversation=${id}`, { headers: { authorization: `Bearer ${API_TOKEN}`, 'x-relais-agent': 'gary' } })).status,
    ).toBe(401);
    expect((await fetch(base)).status).toBe(401);
    // A message cannot point at another conversation's file.
    expect(await other.ask('send', { id: randomUUID(), attachment: file.id })).toMatchObject({
      ok: false,
      error: { code: 'CHAT_ERR_NOT_FOUND' },
    });
    await other.ask('end', {});
  });

  it('refuses what is not an image or a PDF by its content, whatever its name, and what is too big', async () => {
    const { token } = await talking();
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(100)]);
    const disguised = await upload(token, exe, { 'x-filename': 'photo.png' });
    expect(disguised.status).toBe(415);
    // Readable by the widget on the shop's origin: CORS on errors too, and the preflight.
    expect(disguised.headers.get('access-control-allow-origin')).toBe('*');
    const preflight = await fetch(`http://127.0.0.1:${t.config.server.port}/chat/attachments`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,x-filename',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    expect((await disguised.json()).error.code).toBe('API_ERR_UNSUPPORTED_TYPE');
    const html = await upload(token, Buffer.from('<script>alert(1)</script>'), { 'content-type': 'application/pdf' });
    expect(html.status).toBe(415);
    const huge = await upload(token, Buffer.concat([PNG, Buffer.alloc(t.config.chat!.attachments.maxBytes)]));
    expect(huge.status).toBe(413);
    expect((await upload('forged.token', PNG)).status).toBe(401);
  });
});
