/**
 * Video signalling on a real Relais (real mediasoup worker, Redis, PostgreSQL), from Socket.IO
 * clients: bad payloads are refused with their code and create nothing; one call per
 * conversation; decline and expiry; a call's transports, producers and consumers are counted in
 * mediasoup (router dumps) and all go when a page leaves, the call ends or the chat ends; the
 * agent's voice slot is taken during a call; a site that keeps proposals to agents refuses a
 * visitor's; and a second Relais process routes requests to the one holding the call.
 */
import pg from 'pg';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRelais, type Relais } from '../../server/relais.ts';
import { waitFor } from '../support/calls.ts';
import { agent, closeChatClients, visitor, type ChatClient } from '../support/chat.ts';
import { freeTcpPort, RELAIS_HOME, startTestRelais, type TestRelais } from '../support/relais.ts';

let t: TestRelais;

beforeAll(async () => {
  t = await startTestRelais({ patch: (c) => void (c.video = { ...c.video!, proposalSeconds: 2, rejoinSeconds: 2 }) });
});
afterEach(async () => {
  closeChatClients();
  for (const id of Object.keys(t.config.staff)) await t.relais.routing.setPresence(id, 'offline');
});
afterAll(async () => {
  await t?.stop();
});

const counts = () => t.relais.video!.service.counts();
const fingerprint = { algorithm: 'sha-256', value: Array.from({ length: 32 }, () => 'AB').join(':') };
const vp8 = (ssrc: number) => ({
  mid: String(ssrc),
  codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, rtcpFeedback: [] }],
  encodings: [{ ssrc }],
  headerExtensions: [],
  rtcp: { cname: `c${ssrc}` },
});
const opus = (ssrc: number) => ({
  mid: String(ssrc),
  codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }],
  encodings: [{ ssrc }],
  rtcp: { cname: `c${ssrc}` },
});

/** A visitor chatting with Denis (sales); the visitor's page on the Relais process at `visitorPort` if given. */
async function chatting(a?: ChatClient, visitorPort?: number): Promise<{ v: ChatClient; a: ChatClient; id: string; token: string }> {
  await t.relais.routing.setPresence('denis', 'available');
  a ??= await agent(t, 'denis');
  // A page of that process (the demo shop it serves): its own origin.
  const v = await visitor(t, visitorPort ? { port: visitorPort, origin: `http://127.0.0.1:${visitorPort}` } : {});
  const started = await v.ask('start', { topic: 'sales', name: 'Léa Petit', email: `lea.${Date.now()}@example.fr` });
  expect(started.ok).toBe(true);
  const offer = await a.next('offer', (o) => o.conversation.id === (started as any).conversation.id, 15_000);
  expect((await a.ask('accept', { conversationId: offer.conversation.id, offerId: offer.offerId })).ok).toBe(true);
  return { v, a, id: offer.conversation.id, token: (started as any).token };
}

const caps = new Map<ChatClient, unknown>();
/** Producers of the other side each page heard of: in the join's answer, then as events. */
const offered = new Map<ChatClient, { producerId: string }[]>();
const heard = (c: ChatClient, sessionId: string) => [
  ...(offered.get(c) ?? []),
  ...c.received('video:producer').filter((p) => p.sessionId === sessionId),
];

/** Both sides join, each sends camera and microphone and receives the other's: 4 transports, 4 producers, 4 consumers. */
async function inCall(v: ChatClient, a: ChatClient, sessionId: string) {
  for (const [c, base] of [
    [v, 1000],
    [a, 2000],
  ] as const) {
    const joined = await c.ask('video:join', { sessionId });
    expect(joined.ok, JSON.stringify(joined)).toBe(true);
    offered.set(c, joined.producers);
    const send = await c.ask('video:transport', { sessionId, direction: 'send' });
    const recv = await c.ask('video:transport', { sessionId, direction: 'recv' });
    expect(send.ok && recv.ok).toBe(true);
    expect(
      (
        await c.ask('video:connect', {
          sessionId,
          transportId: send.transport.id,
          dtlsParameters: { role: 'client', fingerprints: [fingerprint] },
        })
      ).ok,
    ).toBe(true);
    for (const [kind, rtpParameters, source] of [
      ['video', vp8(base + 1), 'camera'],
      ['audio', opus(base + 2), 'microphone'],
    ] as const)
      expect((await c.ask('video:produce', { sessionId, transportId: send.transport.id, kind, rtpParameters, source })).ok).toBe(true);
    caps.set(c, joined.routerRtpCapabilities);
  }
  for (const [c, other] of [
    [v, a],
    [a, v],
  ] as const) {
    await waitFor("the other side's producers announced", () => heard(c, sessionId).length >= 2);
    for (const p of heard(c, sessionId)) {
      const consumed = await c.ask('video:consume', { sessionId, producerId: p.producerId, rtpCapabilities: caps.get(c) });
      expect(consumed.ok, JSON.stringify(consumed)).toBe(true);
      expect((await c.ask('video:resume', { sessionId, consumerId: consumed.consumer.id })).ok).toBe(true);
    }
    void other;
  }
}

describe('video signalling', { timeout: 60_000 }, () => {
  it('refuses bad payloads with VIDEO_ERR_INVALID and creates nothing', async () => {
    const { v, a, id } = await chatting();
    const bad: [ChatClient, string, unknown][] = [
      [a, 'video:propose', {}], // an agent names the conversation
      [a, 'video:propose', { conversationId: 'not-a-uuid' }],
      [v, 'video:propose', { conversationId: id, extra: 1 }],
      [v, 'video:answer', { sessionId: id }],
      [v, 'video:join', null],
      [v, 'video:transport', { sessionId: id, direction: 'sideways' }],
      [v, 'video:connect', { sessionId: id, transportId: id, dtlsParameters: { fingerprints: [] } }],
      [v, 'video:produce', { sessionId: id, transportId: id, kind: 'video', rtpParameters: { codecs: 'VP8' }, source: 'camera' }],
      [v, 'video:produce', { sessionId: id, transportId: id, kind: 'video', rtpParameters: vp8(1), source: 'webcam' }],
      [
        v,
        'video:consume',
        { sessionId: id, producerId: id, rtpCapabilities: { codecs: Array(100).fill({ kind: 'video', mimeType: 'x' }) } },
      ],
    ];
    for (const [c, event, payload] of bad) {
      const r = await c.ask(event, payload);
      expect(r, `${event} ${JSON.stringify(payload)}`).toMatchObject({ ok: false, error: { code: 'VIDEO_ERR_INVALID', then: 'fix' } });
    }
    // No acknowledgement callback: an error event, nothing else.
    v.socket.emit('video:propose', {});
    expect(await v.next('error', (e) => e.event === 'video:propose')).toMatchObject({ code: 'VIDEO_ERR_INVALID' });
    // A call nobody proposed, in a conversation that is not yours.
    expect(await v.ask('video:join', { sessionId: crypto.randomUUID() })).toMatchObject({
      ok: false,
      error: { code: 'VIDEO_ERR_NOT_FOUND', then: 'reset' },
    });
    const stranger = await visitor(t);
    expect(await stranger.ask('video:propose', {})).toMatchObject({ ok: false, error: { code: 'VIDEO_ERR_CHAT_NOT_ACTIVE' } });
    expect(await (await agent(t, 'gary')).ask('video:propose', { conversationId: id })).toMatchObject({
      ok: false,
      error: { code: 'VIDEO_ERR_NOT_FOUND' },
    });
    expect(v.received('video:session')).toEqual([]);
    expect(await v.ask('video:current', {})).toMatchObject({ ok: true, session: null });
    expect(await counts()).toEqual({ rooms: 0, transports: 0, producers: 0, consumers: 0 });
    await a.ask('close', { conversationId: id });
  });

  it('allows one call per conversation, and a declined or unanswered one lands on the timeline', async () => {
    const { v, a, id } = await chatting();
    const proposed = await a.ask('video:propose', { conversationId: id });
    expect(proposed).toMatchObject({ ok: true, session: { state: 'proposed', by: 'agent', conversationId: id } });
    expect((await v.next('video:session')).id).toBe(proposed.session.id);
    // A second proposal, from either side, is refused with its reason.
    const again = await v.ask('video:propose', {});
    expect(again).toMatchObject({ ok: false, error: { code: 'VIDEO_ERR_ALREADY', message: expect.stringContaining('already proposed') } });
    expect(await a.ask('video:answer', { sessionId: proposed.session.id, accept: true })).toMatchObject({
      ok: false,
      error: { code: 'VIDEO_ERR_STATE' },
    });
    expect(await v.ask('video:answer', { sessionId: proposed.session.id, accept: false })).toMatchObject({
      ok: true,
      session: { state: 'ended', reason: 'declined' },
    });
    expect(await a.next('video:session', (s) => s.state === 'ended')).toMatchObject({ reason: 'declined' });

    // The visitor proposes, nobody answers: withdrawn after proposalSeconds (2 s here).
    const mine = await v.ask('video:propose', {});
    expect(mine).toMatchObject({ ok: true, session: { by: 'visitor' } });
    expect(await v.next('video:session', (s) => s.id === mine.session.id && s.state === 'ended', 8000)).toMatchObject({
      reason: 'expired',
    });

    const db = new pg.Pool({ connectionString: t.config.postgres.url });
    const { rows } = await db.query("select outcome, agent, links from interactions where channel = 'video' and id = any($1)", [
      [proposed.session.id, mine.session.id],
    ]);
    expect(rows.map((r: { outcome: string }) => r.outcome).sort()).toEqual(['declined', 'unanswered']);
    expect(rows[0]).toMatchObject({ agent: 'denis', links: { chat: id } });
    await db.end();
    await a.ask('close', { conversationId: id });
  });

  it('counts every transport, producer and consumer, and leaves none when a page leaves, the call ends or the chat ends', async () => {
    const { v, a, id, token } = await chatting();
    const { session } = await v.ask('video:propose', {});
    expect(await a.ask('video:answer', { sessionId: session.id, accept: true })).toMatchObject({ ok: true, session: { state: 'active' } });
    expect((await t.relais.routing.agent('denis')).active.video).toBe(1); // no call offered on top
    // Parameters mediasoup refuses (a codec the call does not speak): refused, nothing made.
    await v.ask('video:join', { sessionId: session.id });
    const send = await v.ask('video:transport', { sessionId: session.id, direction: 'send' });
    const h264 = { ...vp8(99), codecs: [{ mimeType: 'video/H264', payloadType: 102, clockRate: 90000 }] };
    const refused = await v.ask('video:produce', {
      sessionId: session.id,
      transportId: send.transport.id,
      kind: 'video',
      rtpParameters: h264,
      source: 'camera',
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'VIDEO_ERR_MEDIA', then: 'fix' } });
    expect(await counts()).toEqual({ rooms: 1, transports: 1, producers: 0, consumers: 0 });
    await inCall(v, a, session.id);
    expect(await counts()).toEqual({ rooms: 1, transports: 4, producers: 4, consumers: 4 });
    expect(await a.next('video:session', (s) => s.present?.length === 2)).toBeTruthy();

    // The visitor's page goes (a reload): its transports, producers and consumers go with it…
    v.close();
    await waitFor("the visitor's media gone", async () => (await counts()).transports === 2);
    expect(await counts()).toEqual({ rooms: 1, transports: 2, producers: 2, consumers: 0 });
    // …and a new page of theirs joins again within rejoinSeconds.
    const back = await visitor(t, { token });
    const current = await back.ask('video:current', {});
    expect(current).toMatchObject({ ok: true, session: { id: session.id, state: 'active', present: ['agent'] } });
    const joined = await back.ask('video:join', { sessionId: session.id });
    expect(joined.producers.map((p: { source: string }) => p.source).sort()).toEqual(['camera', 'microphone']);
    // Another page of the same visitor (a second tab) is not the one in the call.
    const tab = await visitor(t, { token });
    expect(await tab.ask('video:transport', { sessionId: session.id, direction: 'send' })).toMatchObject({
      ok: false,
      error: { code: 'VIDEO_ERR_NOT_JOINED' },
    });

    // Hanging up ends it for both: nothing left in mediasoup, the voice slot back.
    expect(await a.ask('video:end', { sessionId: session.id })).toMatchObject({ ok: true });
    expect(await back.next('video:session', (s) => s.state === 'ended')).toMatchObject({ reason: 'hung-up' });
    expect(await counts()).toEqual({ rooms: 0, transports: 0, producers: 0, consumers: 0 });
    expect((await t.relais.routing.agent('denis')).active.video ?? 0).toBe(0);

    // A call whose chat ends, ends.
    const second = await a.ask('video:propose', { conversationId: id });
    await back.ask('video:answer', { sessionId: second.session.id, accept: true });
    await inCall(back, a, second.session.id);
    expect((await counts()).transports).toBe(4);
    await a.ask('close', { conversationId: id });
    expect(await back.next('video:session', (s) => s.id === second.session.id && s.state === 'ended')).toMatchObject({
      reason: 'chat-ended',
    });
    await waitFor('nothing left', async () => (await counts()).rooms === 0);
    expect(await counts()).toEqual({ rooms: 0, transports: 0, producers: 0, consumers: 0 });
  });

  it('ends a call whose page does not come back within rejoinSeconds', async () => {
    const { v, a } = await chatting();
    const { session } = await v.ask('video:propose', {});
    await a.ask('video:answer', { sessionId: session.id, accept: true });
    await inCall(v, a, session.id);
    v.close();
    expect(await a.next('video:session', (s) => s.state === 'ended', 8000)).toMatchObject({ reason: 'left' });
    expect(await counts()).toEqual({ rooms: 0, transports: 0, producers: 0, consumers: 0 });
  });

  it("with visitorsMayPropose false: a visitor's proposal is refused with its reason, the widget is told not to offer one, the agent still proposes", async () => {
    // A second process on the same Redis, PostgreSQL and Asterisk, whose site keeps proposals to agents.
    const port = await freeTcpPort();
    const config = { ...t.config, server: { ...t.config.server, port }, video: { ...t.config.video!, visitorsMayPropose: false } };
    const other: Relais = await startRelais(config, { log: pino({ level: 'silent' }), now: t.now, relaisHome: RELAIS_HOME });
    try {
      // What the widget reads to offer its "Appel vidéo" button (web/widget/video-offer.ts).
      const widget = await (await fetch(`http://127.0.0.1:${port}/chat/config?site=iseedor-shop`)).json();
      expect(widget.video).toEqual({ visitorsMayPropose: false });
      const { v, a, id } = await chatting(undefined, port);
      expect(await v.ask('video:propose', {})).toEqual({
        ok: false,
        error: { code: 'VIDEO_ERR_DISABLED', message: 'only the agent can propose a video call here', then: 'fix' },
      });
      // Nothing was proposed: no session, no news to the agent, nothing on the timeline.
      expect(await v.ask('video:current', {})).toMatchObject({ ok: true, session: null });
      expect(a.received('video:session')).toEqual([]);
      const db = new pg.Pool({ connectionString: t.config.postgres.url });
      const { rows } = await db.query("select id from interactions where channel = 'video' and links->>'chat' = $1", [id]);
      await db.end();
      expect(rows).toEqual([]);
      // The agent proposes as ever, and the visitor answers.
      const proposed = await a.ask('video:propose', { conversationId: id });
      expect(proposed).toMatchObject({ ok: true, session: { state: 'proposed', by: 'agent' } });
      expect((await v.next('video:session')).id).toBe(proposed.session.id);
      expect(await v.ask('video:answer', { sessionId: proposed.session.id, accept: false })).toMatchObject({
        ok: true,
        session: { state: 'ended', reason: 'declined' },
      });
      await a.ask('close', { conversationId: id });
    } finally {
      await other.stop();
    }
  });

  it('works when the visitor and the agent are on different Relais processes', async () => {
    // A second process on the same Redis, PostgreSQL and Asterisk: the agent connects to it.
    const port = await freeTcpPort();
    const config = { ...t.config, server: { ...t.config.server, port } };
    const other: Relais = await startRelais(config, { log: pino({ level: 'silent' }), now: t.now, relaisHome: RELAIS_HOME });
    try {
      const a = await agent({ ...t, config } as TestRelais, 'denis');
      const { v, id } = await chatting(a);
      const { session } = await a.ask('video:propose', { conversationId: id });
      // The visitor accepts on the first process: the call's media live there…
      await v.ask('video:answer', { sessionId: session.id, accept: true });
      await inCall(v, a, session.id);
      expect(await counts()).toEqual({ rooms: 1, transports: 4, producers: 4, consumers: 4 });
      expect(await other.video!.service.counts()).toEqual({ rooms: 0, transports: 0, producers: 0, consumers: 0 });
      // …and the agent's requests, entering the second, reached them. Ending from there too.
      expect(await a.ask('video:end', { sessionId: session.id })).toMatchObject({ ok: true });
      expect(await v.next('video:session', (s) => s.state === 'ended')).toMatchObject({ reason: 'hung-up' });
      expect(await counts()).toEqual({ rooms: 0, transports: 0, producers: 0, consumers: 0 });
      await a.ask('close', { conversationId: id });
    } finally {
      await other.stop();
    }
  });
});
