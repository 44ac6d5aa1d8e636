/**
 * The baseline of bench/chat-load.ts: a bare Socket.IO server of the same version, with the same
 * Redis adapter as Relais unless told otherwise, speaking just enough of the visitor protocol for
 * the same client to drive it: `start` joins a room of its own and acknowledges, `send` emits the
 * message to that room and acknowledges. No validation, no storage, no rate limit: what Socket.IO
 * (and its adapter) cost alone, for the same events on the wire.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { VISITOR_NAMESPACE } from '../chat/protocol.ts';
import { fdLimit, loopSampler, memorySample, parentChannel, type FromServer, type ServerSetup, type ToServer } from './chat-load-ipc.ts';

const setup = JSON.parse(process.env.CHAT_LOAD_SERVER ?? '{}') as ServerSetup;

type AckFn = (a: object) => void;

async function main(): Promise<void> {
  const http = createServer();
  const pub = setup.adapter ? new Redis('redis://127.0.0.1:6379') : undefined;
  const sub = pub?.duplicate();
  const io = new Server(http, {
    ...(pub && sub ? { adapter: createAdapter(pub, sub, { key: `${setup.prefix}:socket.io` }) } : {}),
    maxHttpBufferSize: 64 * 1024,
  });
  const visitors = io.of(VISITOR_NAMESPACE);
  visitors.on('connection', (socket) => {
    let seq = 0;
    socket.on('start', async (_p: unknown, ack: AckFn) => {
      const id = randomUUID();
      socket.data.room = `conv:${id}`;
      await socket.join(socket.data.room as string);
      ack({ ok: true, token: id, conversation: { id, status: 'waiting', team: 'sales', position: null, agent: null } });
    });
    socket.on('send', (p: { id: string; text: string }, ack: AckFn) => {
      const message = { id: p.id, seq: ++seq, from: 'visitor', author: null, text: p.text, attachment: null, at: new Date().toISOString() };
      visitors.to(socket.data.room as string).emit('message', message);
      ack({ ok: true, message });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as { port: number };

  const loop = loopSampler();
  const send = parentChannel<ToServer, FromServer>((m) => {
    if (m.type === 'memory') send({ type: 'memory', ...memorySample() });
    else if (m.type === 'counters') send({ type: 'counters', queries: {}, warnings: {}, loop: loop() });
    else if (m.type === 'stop') {
      io.disconnectSockets(true);
      io.close(() => {
        pub?.disconnect();
        sub?.disconnect();
        send({ type: 'stopped' });
        process.disconnect?.();
      });
    }
  });
  send({ type: 'ready', port, fdLimit: fdLimit() });
}

main().catch((err) => {
  process.stderr.write(`chat-load bare server: ${(err as Error).stack}\n`);
  process.exit(1);
});
