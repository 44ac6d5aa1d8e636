/**
 * The mediasoup worker that video/worker-bin.ts names (prebuilt, or built by
 * video/install-worker.sh from Debian's libraries), run for real: a WebRtcServer and its
 * transports, ICE and the start of DTLS from Node, and nothing left behind on close.
 */
import { createSocket, type Socket } from 'node:dgram';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { VideoError } from '../../video/errors.ts';
import { mediasoupWorkerBin } from '../../video/worker-bin.ts';
import { iceBindingRequest, isBindingSuccess, isDtlsClientHello } from '../support/stun.ts';

const relaisHome = process.env.RELAIS_HOME ?? join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'relais');

const mediaCodecs: types.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
];

let bin: string;
let mediasoup: typeof Mediasoup;
let worker: types.Worker;

beforeAll(async () => {
  bin = mediasoupWorkerBin(relaisHome);
  // mediasoup reads it once, when loaded (see worker-bin.ts).
  process.env.MEDIASOUP_WORKER_BIN = bin;
  mediasoup = await import('mediasoup');
  worker = await mediasoup.createWorker({ logLevel: 'warn' });
});
afterAll(() => {
  worker?.close();
});

/** Settles with `p`, or fails saying what it waited for after `ms`. */
async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** One UDP and one TCP listener on 127.0.0.1, on ports the worker finds free. */
function localServer(): Promise<types.WebRtcServer> {
  return worker.createWebRtcServer({
    listenInfos: [
      { protocol: 'udp', ip: '127.0.0.1' },
      { protocol: 'tcp', ip: '127.0.0.1' },
    ],
  });
}

describe('the mediasoup worker', () => {
  it('is the binary video/worker-bin.ts names, and runs', () => {
    expect(mediasoup.workerBin).toBe(bin);
    expect(worker.pid).toBeGreaterThan(0);
    expect(worker.closed).toBe(false);
  });

  it('carries two WebRtcTransports on a WebRtcServer with one UDP and one TCP port, and frees everything on close', async () => {
    const server = await localServer();
    const serverDump = await server.dump();
    expect(serverDump.udpSockets).toHaveLength(1);
    expect(serverDump.tcpServers).toHaveLength(1);
    const udp = serverDump.udpSockets[0]!;
    const tcp = serverDump.tcpServers[0]!;
    expect(udp.ip).toBe('127.0.0.1');
    expect(tcp.ip).toBe('127.0.0.1');

    const router = await worker.createRouter({ mediaCodecs });
    expect(router.rtpCapabilities.codecs?.map((c) => c.mimeType)).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8']));
    const visitor = await router.createWebRtcTransport({ webRtcServer: server });
    const agent = await router.createWebRtcTransport({ webRtcServer: server });
    for (const t of [visitor, agent]) {
      expect(t.iceCandidates.map((c) => `${c.protocol} ${c.address}:${c.port}`).sort()).toEqual([
        `tcp 127.0.0.1:${tcp.port}`,
        `udp 127.0.0.1:${udp.port}`,
      ]);
    }
    expect((await router.dump()).transportIds.sort()).toEqual([visitor.id, agent.id].sort());
    expect((await server.dump()).webRtcTransportIds.sort()).toEqual([visitor.id, agent.id].sort());
    expect(await worker.dump()).toMatchObject({ routerIds: [router.id], webRtcServerIds: [server.id] });

    visitor.close();
    agent.close();
    expect((await router.dump()).transportIds).toEqual([]);
    router.close();
    server.close();
    expect(await worker.dump()).toMatchObject({ routerIds: [], webRtcServerIds: [] });
  });

  // Debian's OpenSSL does kernel TLS, and asks the DTLS BIO whether it does too: without
  // install-worker.sh's fix to the BIO callback, the worker crashes on its first DTLS write.
  it('answers ICE over UDP and sends its DTLS ClientHello without dying', async () => {
    const server = await localServer();
    const router = await worker.createRouter({ mediaCodecs });
    const transport = await router.createWebRtcTransport({ webRtcServer: server });
    const udp = transport.iceCandidates.find((c) => c.protocol === 'udp')!;
    const socket: Socket = createSocket('udp4');
    const received: Buffer[] = [];
    const arrived = (what: string, test: (m: Buffer) => boolean) =>
      within(
        5_000,
        what,
        new Promise<void>((resolve) => {
          const check = () => {
            if (!received.some(test)) return;
            socket.off('message', check);
            resolve();
          };
          socket.on('message', check);
          check();
        }),
      );
    socket.on('message', (m) => received.push(m));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    // States come as notifications on the worker's channel, in no set order with the datagrams.
    const iceCompleted = new Promise<void>((resolve) => transport.on('icestatechange', (s) => s === 'completed' && resolve()));
    const dtlsConnecting = new Promise<void>((resolve) => transport.on('dtlsstatechange', (s) => s === 'connecting' && resolve()));
    try {
      const request = iceBindingRequest(transport.iceParameters, 'node');
      socket.send(request.packet, udp.port, udp.address);
      await arrived('the Binding success response', (m) => isBindingSuccess(m, request.transactionId));
      await within(5_000, 'ICE state completed (a nominated pair)', iceCompleted);

      // The far end as DTLS server makes the worker the client: it writes first, a ClientHello.
      // (The fingerprint is never checked: no handshake completes here.)
      const fingerprint = Array.from({ length: 32 }, () => 'AB').join(':');
      await transport.connect({ dtlsParameters: { role: 'server', fingerprints: [{ algorithm: 'sha-256', value: fingerprint }] } });
      await arrived('a DTLS ClientHello from the worker', isDtlsClientHello);
      await within(5_000, 'DTLS state connecting', dtlsConnecting);
      expect(worker.died).toBe(false);
      expect((await worker.dump()).routerIds).toEqual([router.id]); // still answering
    } finally {
      socket.close();
      router.close();
      server.close();
    }
  });

  it('is refused, with the command to run, when MEDIASOUP_WORKER_BIN names nothing runnable', () => {
    process.env.MEDIASOUP_WORKER_BIN = '/nonexistent/mediasoup-worker';
    try {
      let err: unknown;
      try {
        mediasoupWorkerBin(relaisHome);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(VideoError);
      expect(err).toMatchObject({ code: 'VIDEO_ERR_WORKER_MISSING' });
      expect((err as Error).message).toContain('/nonexistent/mediasoup-worker');
      expect((err as Error).message).toContain('bash video/install-worker.sh');
    } finally {
      process.env.MEDIASOUP_WORKER_BIN = bin;
    }
  });

  it('ends its process when closed', async () => {
    const own = await mediasoup.createWorker({ logLevel: 'warn' });
    const pid = own.pid;
    const ended = new Promise<void>((resolve) => own.on('subprocessclose', resolve));
    own.close();
    await within(5_000, `worker process ${pid} to exit`, ended);
    expect(own.subprocessClosed).toBe(true);
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });
});
