/**
 * Visitors for bench/chat-load.ts: Socket.IO clients over WebSocket (as the widget uses once
 * upgraded), in a process of their own so their work does not share the server's event loop.
 * They join (connect, then `start` a conversation), then send messages at a fixed total rate or
 * with a fixed number in flight, timing each from emit to its acknowledgement (stored, then
 * acknowledged) and to the `message` event the conversation's room sends back to the visitor.
 */
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import { VISITOR_NAMESPACE } from '../chat/protocol.ts';
import { BENCH_TOPIC, parentChannel, type FromClient, type RampOrder, type RunOrder, type ToClient } from './chat-load-ipc.ts';

const TEXT = "Bonjour, ma seedbox ne répond plus depuis ce matin, pouvez-vous m'aider ?";

type Ack = { ok: true } | { ok: false; error: { code: string } };

const sockets: Socket[] = [];
/** Visitors whose `start` was acknowledged: the ones that send. */
const ready: Socket[] = [];
/** Message id → emit time, until its echo arrives. */
const awaitingEcho = new Map<string, number>();
let echoMs: number[] = [];
let conversationEvents = 0;
let dropped = 0;
const bump = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ramp(o: RampOrder): Promise<FromClient> {
  const connectErrors: Record<string, number> = {};
  const startErrors: Record<string, number> = {};
  const joinMs: number[] = [];
  let connected = 0;
  let opened = 0;
  let joining = 0;
  let finished = 0;
  const t0 = performance.now();
  const join = (i: number) => {
    joining += 1;
    const socket = io(`${o.url}${VISITOR_NAMESPACE}`, {
      auth: { site: o.site },
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      timeout: o.deadlineMs,
      localAddress: o.addresses[Math.floor((o.first + i) / o.perAddress) % o.addresses.length],
    } as Parameters<typeof io>[1]);
    sockets.push(socket);
    const done = () => {
      joining -= 1;
      finished += 1;
    };
    socket.on('message', (m: { id: string }) => {
      const at = awaitingEcho.get(m.id);
      if (at === undefined) return;
      echoMs.push(performance.now() - at);
      awaitingEcho.delete(m.id);
    });
    socket.on('conversation', () => (conversationEvents += 1));
    socket.once('connect_error', (err: Error & { data?: { code?: string } }) => {
      bump(connectErrors, err.data?.code ?? err.message.slice(0, 40));
      done();
    });
    socket.once('connect', () => {
      connected += 1;
      const c0 = performance.now();
      socket.on('disconnect', () => (dropped += 1));
      socket
        .timeout(o.deadlineMs)
        .emit(
          'start',
          { topic: BENCH_TOPIC, name: `Visiteur ${o.first + i}`, email: `visiteur-${o.first + i}@bench.example` },
          (err: Error | null, a: Ack) => {
            if (err) bump(startErrors, 'timeout');
            else if (!a.ok) bump(startErrors, a.error.code);
            else {
              joinMs.push(performance.now() - c0);
              ready.push(socket);
            }
            done();
          },
        );
    });
  };
  return new Promise((resolve) => {
    const tick = setInterval(() => {
      const elapsed = performance.now() - t0;
      const due = Math.min(o.count, Math.floor((elapsed / 1000) * o.perSecond) + 1);
      while (opened < due && joining < o.inFlight) join(opened++);
      if (finished === o.count || elapsed > o.deadlineMs) {
        clearInterval(tick);
        resolve({
          type: 'ramped',
          connected,
          started: ready.length,
          connectErrors,
          startErrors: { ...startErrors, ...(o.count - finished > 0 ? { 'not done by the deadline': o.count - finished } : {}) },
          joinMs,
          wallMs: elapsed,
          conversationEvents,
        });
      }
    }, 5);
  });
}

async function run(o: RunOrder): Promise<FromClient> {
  if (ready.length === 0) throw new Error('no visitor has a conversation: nothing to send');
  const errors: Record<string, number> = {};
  const ackMs: number[] = [];
  let sent = 0;
  let ok = 0;
  let timeouts = 0;
  let answered = 0;
  let lastAck = 0;
  let rr = 0;
  echoMs = [];
  awaitingEcho.clear();
  const droppedBefore = dropped;
  const eventsBefore = conversationEvents;
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const t0 = performance.now();
  const end = t0 + o.seconds * 1000;
  let refill: () => void = () => undefined;
  const sendOne = () => {
    const socket = ready[rr++ % ready.length]!;
    const id = randomUUID();
    const at = performance.now();
    sent += 1;
    awaitingEcho.set(id, at);
    socket.timeout(o.timeoutMs).emit('send', { id, text: TEXT }, (err: Error | null, a: Ack) => {
      answered += 1;
      lastAck = performance.now();
      if (err) timeouts += 1;
      else if (!a.ok) bump(errors, a.error.code);
      else {
        ok += 1;
        ackMs.push(lastAck - at);
      }
      if (err || !a.ok) awaitingEcho.delete(id);
      refill();
    });
  };
  if (o.window) {
    // Saturation: each answer makes room for the next message, until the time is up.
    refill = () => {
      if (performance.now() < end) sendOne();
    };
    for (let i = 0; i < o.window; i++) sendOne();
    while (performance.now() < end) await sleep(50);
  } else {
    const rate = o.rate!;
    while (performance.now() < end) {
      const due = Math.floor(((performance.now() - t0) / 1000) * rate);
      while (sent < due) sendOne();
      await sleep(2);
    }
  }
  const grace = performance.now() + o.timeoutMs + 1000;
  while (answered < sent && performance.now() < grace) await sleep(20);
  // Echoes trail their acknowledgement by little; give the last ones a moment.
  const echoGrace = performance.now() + 2000;
  while (awaitingEcho.size > 0 && performance.now() < echoGrace) await sleep(20);
  lag.disable();
  return {
    type: 'ran',
    sent,
    ok,
    errors,
    timeouts: timeouts + (sent - answered),
    ackMs,
    echoMs,
    echoMissing: awaitingEcho.size,
    spanMs: (lastAck || performance.now()) - t0,
    held: sockets.filter((s) => s.connected).length,
    dropped: dropped - droppedBefore,
    conversationEvents: conversationEvents - eventsBefore,
    clientLagP99: lag.percentile(99) / 1e6,
  };
}

const send = parentChannel<ToClient, FromClient>((m) => {
  const reply = m.type === 'ramp' ? ramp(m) : m.type === 'run' ? run(m) : close();
  reply.then(send, (err: Error) => {
    process.stderr.write(`chat-load client: ${err.stack}\n`);
    process.exit(1);
  });
});

async function close(): Promise<FromClient> {
  for (const s of sockets) s.disconnect();
  return { type: 'closed' };
}
