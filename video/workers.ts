/**
 * mediasoup's workers in this process: one per core (or `video.workers`), each with ONE
 * WebRtcServer on one UDP and one TCP port, so every call of that worker shares those two ports
 * and a firewall opens a short, known range. A router per call goes on the worker with the most
 * room, up to `video.sessionsPerWorker`.
 *
 * mediasoup reads MEDIASOUP_WORKER_BIN once, when it is first imported, and has no other way to
 * be told its binary: it is set here from worker-bin.ts and mediasoup imported only afterwards
 * (nothing else in Relais imports it, except types).
 */
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import type { types } from 'mediasoup';
import type { Config } from '../config/load.ts';
import { VideoError } from './errors.ts';
import { mediasoupWorkerBin } from './worker-bin.ts';

type VideoConfig = NonNullable<Config['video']>;

/** What a call's router speaks: Opus and VP8, which every WebRTC browser decodes. */
export const MEDIA_CODECS: types.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: { 'x-google-start-bitrate': 800 } },
];

export interface VideoSlot {
  worker: types.Worker;
  webRtcServer: types.WebRtcServer;
  /** Calls on this worker now. */
  sessions: number;
  /** Its WebRtcServer's ports, as listened on. */
  ports: { udp: number; tcp: number };
}

export interface VideoWorkers {
  readonly slots: readonly VideoSlot[];
  /** A router for a new call on the worker with the most room, and a release for when it ends. */
  reserve(): Promise<{ router: types.Router; slot: VideoSlot; release: () => void }>;
  close(): void;
}

let loaded: Promise<typeof import('mediasoup')> | undefined;

/** mediasoup itself, imported once, after MEDIASOUP_WORKER_BIN is set (see the top of this file). */
export function loadMediasoup(relaisHome: string): Promise<typeof import('mediasoup')> {
  return (loaded ??= (async () => {
    // The one write of process.env: mediasoup's own variable, which only this can give it.
    process.env.MEDIASOUP_WORKER_BIN = mediasoupWorkerBin(relaisHome);
    return import('mediasoup');
  })());
}

export async function startVideoWorkers(config: VideoConfig, relaisHome: string, log: Logger): Promise<VideoWorkers> {
  const mediasoup = await loadMediasoup(relaisHome);
  const count = config.workers ?? availableParallelism();
  const slots: VideoSlot[] = [];
  let closing = false;

  const startSlot = async (index: number): Promise<VideoSlot> => {
    const worker = await mediasoup.createWorker({ logLevel: 'warn' });
    const port = config.port === 0 ? undefined : config.port + index;
    const listen = (protocol: 'udp' | 'tcp') => ({
      protocol,
      ip: config.listenIp,
      ...(config.announcedAddress ? { announcedAddress: config.announcedAddress } : {}),
      ...(port ? { port } : {}),
    });
    try {
      const webRtcServer = await worker.createWebRtcServer({ listenInfos: [listen('udp'), listen('tcp')] });
      const dump = await webRtcServer.dump();
      const slot: VideoSlot = {
        worker,
        webRtcServer,
        sessions: 0,
        ports: { udp: dump.udpSockets[0]!.port, tcp: dump.tcpServers[0]!.port },
      };
      worker.on('died', (err) => {
        log.error({ err: err.message, pid: worker.pid }, 'mediasoup worker died: its calls are over, starting another');
        // Its routers are closed with it (each call's room hears 'workerclose' and ends the call).
        if (closing) return;
        void startSlot(index).then(
          (fresh) => (slots[index] = fresh),
          (e: Error) => log.error({ err: e.message }, 'mediasoup worker could not be restarted'),
        );
      });
      return slot;
    } catch (err) {
      worker.close();
      throw new VideoError(
        'VIDEO_ERR_UNAVAILABLE',
        `mediasoup could not listen on ${config.listenIp}:${port ?? 'any'} (UDP and TCP): ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  };

  for (let i = 0; i < count; i++) slots.push(await startSlot(i));
  log.info({ workers: count, ports: slots.map((s) => s.ports.udp), bin: mediasoup.workerBin }, 'video workers ready');

  return {
    slots,
    async reserve() {
      const room = slots.filter((s) => !s.worker.closed && s.sessions < config.sessionsPerWorker);
      const slot = room.sort((a, b) => a.sessions - b.sessions)[0];
      if (!slot) throw new VideoError('VIDEO_ERR_FULL');
      slot.sessions++;
      let released = false;
      const release = () => {
        if (!released) slot.sessions--;
        released = true;
      };
      try {
        return { router: await slot.worker.createRouter({ mediaCodecs: MEDIA_CODECS }), slot, release };
      } catch (err) {
        release();
        throw new VideoError('VIDEO_ERR_UNAVAILABLE', `no router: ${(err as Error).message}`, { cause: err });
      }
    },
    close() {
      closing = true;
      for (const s of slots) s.worker.close();
    },
  };
}
