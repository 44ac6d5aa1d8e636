/**
 * The calls whose media this process holds: a room each (room.ts), on the router its worker slot
 * gave, and the requests about them that arrive from any process (through relay.ts), run with the
 * page they came from. A room that cannot go on (a side gone too long, its worker dead) is
 * reported, and service.ts ends the call.
 */
import { VideoError } from './errors.ts';
import type { SessionView, Side, VideoServerEvents } from './protocol.ts';
import { VideoRoom, type RoomEvents } from './room.ts';
import { sessionView, type SessionStore } from './sessions.ts';
import type { VideoWorkers } from './workers.ts';

/** Where news goes: Socket.IO rooms and sockets, in every process (signalling.ts). */
export interface VideoEmitter {
  toConversation(conversationId: string, event: 'video:session', data: SessionView): void;
  toPage(side: Side, socketId: string, event: keyof VideoServerEvents, data: object): void;
}

export interface HolderDeps {
  rejoinMs: number;
  emit: VideoEmitter;
  store: SessionStore;
  /** The room cannot go on: end the call. */
  failed: (sessionId: string, reason: 'left' | 'failed') => Promise<void>;
}

export class CallHolder {
  private readonly rooms = new Map<string, { room: VideoRoom; release: () => void }>();

  constructor(private readonly d: HolderDeps) {}

  open(sessionId: string, reserved: Awaited<ReturnType<VideoWorkers['reserve']>>): void {
    const room = new VideoRoom(sessionId, reserved.router, reserved.slot.webRtcServer, this.events(sessionId), this.d.rejoinMs);
    this.rooms.set(sessionId, { room, release: reserved.release });
  }

  ids(): string[] {
    return [...this.rooms.keys()];
  }

  /** Closes the room (and with its router every transport, producer and consumer), frees its slot. */
  drop(sessionId: string): void {
    const r = this.rooms.get(sessionId);
    if (!r) return;
    this.rooms.delete(sessionId);
    r.room.close();
    r.release();
  }

  async run(op: string, a: Record<string, unknown>): Promise<unknown> {
    const room = this.rooms.get(a.sessionId as string)?.room;
    if (!room) throw new VideoError('VIDEO_ERR_NOT_FOUND', 'this call is over');
    const side = a.side as Side;
    const page = a.socketId as string;
    switch (op) {
      case 'present':
        return room.present;
      case 'join':
        return room.join(side, page);
      case 'transport':
        return room.createTransport(side, page, a.direction as 'send' | 'recv');
      case 'connect':
        return room.connect(side, page, a.transportId as string, a.dtlsParameters as never);
      case 'produce':
        return { producerId: await room.produce(side, page, a as never) };
      case 'consume':
        return { consumer: await room.consume(side, page, a.producerId as string, a.rtpCapabilities) };
      case 'resume':
        return room.resume(side, page, a.consumerId as string);
      case 'pause':
        return room.pause(side, page, a.producerId as string, a.paused as boolean);
      case 'stop':
        return room.stop(side, page, a.producerId as string);
      case 'leave':
        return room.leave(side, page);
    }
    throw new VideoError('VIDEO_ERR_INVALID', `unknown operation ${op}`);
  }

  /** What the rooms keep in mediasoup (tests, health). */
  async counts(): Promise<{ rooms: number; transports: number; producers: number; consumers: number }> {
    const total = { rooms: this.rooms.size, transports: 0, producers: 0, consumers: 0 };
    for (const r of this.rooms.values()) {
      const c = await r.room.counts();
      total.transports += c.transports;
      total.producers += c.producers;
      total.consumers += c.consumers;
    }
    return total;
  }

  private events(sessionId: string): RoomEvents {
    return {
      toPage: (side, socketId, event, data) => this.d.emit.toPage(side, socketId, event, data),
      presence: (present) =>
        void this.d.store
          .get(sessionId)
          .then((s) => s?.state === 'active' && this.d.emit.toConversation(s.conversationId, 'video:session', sessionView(s, present)))
          .catch(() => undefined),
      failed: (reason) => void this.d.failed(sessionId, reason).catch(() => this.drop(sessionId)),
    };
  }
}
