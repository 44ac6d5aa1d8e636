/**
 * One call's media, in the process that holds it: a mediasoup router, and for each side the page
 * that joined (its socket id), its transports (one to send, one to receive), producers and
 * consumers. A page that joins again (a reload) replaces the previous one, whose objects are
 * closed; a side gone for `rejoinMs` ends the call. Closing the room closes the router, and with
 * it everything mediasoup holds for the call.
 */
import type { types } from 'mediasoup';
import { VideoError } from './errors.ts';
import type { ConsumerOptions, JoinAnswer, ProducerView, Side, Source, TransportOptions } from './protocol.ts';

interface Peer {
  socketId: string;
  transports: Map<string, types.WebRtcTransport>;
  producers: Map<string, { producer: types.Producer; source: Source }>;
  consumers: Map<string, types.Consumer>;
}

/** Where the room's news goes (video/service.ts: the sockets, in whichever process they are). */
export interface RoomEvents {
  /** To one page: the other side's producers coming and going. */
  toPage(side: Side, socketId: string, event: 'video:producer' | 'video:producerPaused' | 'video:producerClosed', data: object): void;
  /** The sides present changed. */
  presence(present: Side[]): void;
  /** The room cannot go on (a side gone too long, the worker died): the call must end. */
  failed(reason: 'left' | 'failed'): void;
}

const other = (side: Side): Side => (side === 'visitor' ? 'agent' : 'visitor');

export class VideoRoom {
  private readonly peers: Partial<Record<Side, Peer>> = {};
  private readonly away = new Map<Side, NodeJS.Timeout>();
  private closed = false;
  private announced = '';

  constructor(
    readonly sessionId: string,
    private readonly router: types.Router,
    private readonly webRtcServer: types.WebRtcServer,
    private readonly events: RoomEvents,
    private readonly rejoinMs: number,
  ) {
    router.observer.once('close', () => {
      if (!this.closed) events.failed('failed'); // the worker died under the call
    });
    // Nobody joined yet: both sides get the same time to arrive as to come back.
    for (const side of ['visitor', 'agent'] as const) this.startAway(side);
  }

  get present(): Side[] {
    return (['visitor', 'agent'] as const).filter((s) => this.peers[s] && !this.away.has(s));
  }

  join(side: Side, socketId: string): JoinAnswer {
    this.dropPeer(side);
    this.peers[side] = { socketId, transports: new Map(), producers: new Map(), consumers: new Map() };
    this.cancelAway(side);
    this.announce();
    return { routerRtpCapabilities: this.router.rtpCapabilities, producers: this.producersOf(other(side)) };
  }

  async createTransport(side: Side, socketId: string, direction: 'send' | 'recv'): Promise<TransportOptions> {
    const peer = this.peer(side, socketId);
    const transport = await this.router.createWebRtcTransport({
      webRtcServer: this.webRtcServer,
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: 1_000_000,
      appData: { direction },
    });
    peer.transports.set(transport.id, transport);
    // A page that vanished without a word (its Relais process died, the laptop slept) stops
    // answering ICE consent checks: count it away, as if it had left.
    transport.on('icestatechange', (state) => {
      if (this.peers[side] !== peer) return;
      if (state === 'disconnected' || state === 'closed') this.startAway(side);
      else if (state === 'connected' || state === 'completed') this.cancelAway(side);
    });
    if (direction === 'recv') await transport.setMaxIncomingBitrate(1_500_000).catch(() => undefined);
    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters,
    };
  }

  async connect(side: Side, socketId: string, transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    await media(() => this.transport(side, socketId, transportId).connect({ dtlsParameters }));
  }

  async produce(
    side: Side,
    socketId: string,
    p: { transportId: string; kind: 'audio' | 'video'; rtpParameters: unknown; source: Source },
  ): Promise<string> {
    const peer = this.peer(side, socketId);
    // One producer per source: a second camera replaces the first.
    for (const [id, x] of peer.producers) if (x.source === p.source) this.closeProducer(peer, id);
    const producer = await media(() =>
      this.transport(side, socketId, p.transportId).produce({
        kind: p.kind,
        rtpParameters: p.rtpParameters as types.RtpParameters,
        appData: { source: p.source },
      }),
    );
    peer.producers.set(producer.id, { producer, source: p.source });
    producer.on('transportclose', () => peer.producers.delete(producer.id));
    const to = this.peers[other(side)];
    if (to) this.events.toPage(other(side), to.socketId, 'video:producer', { sessionId: this.sessionId, ...view(producer, p.source) });
    return producer.id;
  }

  async consume(side: Side, socketId: string, producerId: string, rtpCapabilities: unknown): Promise<ConsumerOptions> {
    const peer = this.peer(side, socketId);
    const source = this.peers[other(side)]?.producers.get(producerId);
    if (!source) throw new VideoError('VIDEO_ERR_NOT_FOUND', 'no such producer on the other side');
    const caps = rtpCapabilities as types.RtpCapabilities;
    if (!this.router.canConsume({ producerId, rtpCapabilities: caps }))
      throw new VideoError('VIDEO_ERR_MEDIA', 'this browser cannot decode that stream');
    const recv = [...peer.transports.values()].find((t) => t.appData.direction === 'recv');
    if (!recv) throw new VideoError('VIDEO_ERR_STATE', 'create a receiving transport first');
    // Paused until the page says it is ready for it: no keyframe is lost before it listens.
    const consumer = await media(() => recv.consume({ producerId, rtpCapabilities: caps, paused: true }));
    peer.consumers.set(consumer.id, consumer);
    const forget = () => peer.consumers.delete(consumer.id);
    consumer.on('transportclose', forget);
    consumer.on('producerclose', () => {
      forget();
      if (this.peers[side] === peer)
        this.events.toPage(side, peer.socketId, 'video:producerClosed', { sessionId: this.sessionId, producerId });
    });
    const paused = (p: boolean) => () =>
      this.peers[side] === peer &&
      this.events.toPage(side, peer.socketId, 'video:producerPaused', { sessionId: this.sessionId, producerId, paused: p });
    consumer.on('producerpause', paused(true));
    consumer.on('producerresume', paused(false));
    return {
      id: consumer.id,
      producerId,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters,
      source: source.source,
      producerPaused: consumer.producerPaused,
    };
  }

  async resume(side: Side, socketId: string, consumerId: string): Promise<void> {
    const consumer = this.peer(side, socketId).consumers.get(consumerId);
    if (!consumer) throw new VideoError('VIDEO_ERR_NOT_FOUND', 'no such consumer');
    await consumer.resume();
  }

  async pause(side: Side, socketId: string, producerId: string, paused: boolean): Promise<void> {
    const p = this.peer(side, socketId).producers.get(producerId);
    if (!p) throw new VideoError('VIDEO_ERR_NOT_FOUND', 'no such producer');
    await (paused ? p.producer.pause() : p.producer.resume());
  }

  stop(side: Side, socketId: string, producerId: string): void {
    const peer = this.peer(side, socketId);
    if (!peer.producers.has(producerId)) throw new VideoError('VIDEO_ERR_NOT_FOUND', 'no such producer');
    this.closeProducer(peer, producerId);
  }

  /** The page left (its socket closed): it may come back within `rejoinMs`. Another page of that side changes nothing. */
  leave(side: Side, socketId: string): void {
    if (this.peers[side]?.socketId !== socketId) return;
    this.dropPeer(side);
    this.startAway(side);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.away.values()) clearTimeout(t);
    this.away.clear();
    this.router.close();
  }

  /** What this room holds in mediasoup, for tests and health. */
  async counts(): Promise<{ transports: number; producers: number; consumers: number }> {
    if (this.router.closed) return { transports: 0, producers: 0, consumers: 0 };
    const d = await this.router.dump();
    return {
      transports: d.transportIds.length,
      producers: Object.keys(d.mapProducerIdConsumerIds).length,
      consumers: Object.keys(d.mapConsumerIdProducerId).length,
    };
  }

  private peer(side: Side, socketId: string): Peer {
    const peer = this.peers[side];
    if (!peer || peer.socketId !== socketId) throw new VideoError('VIDEO_ERR_NOT_JOINED');
    return peer;
  }

  private transport(side: Side, socketId: string, transportId: string): types.WebRtcTransport {
    const t = this.peer(side, socketId).transports.get(transportId);
    if (!t) throw new VideoError('VIDEO_ERR_NOT_FOUND', 'no such transport');
    return t;
  }

  private producersOf(side: Side): ProducerView[] {
    return [...(this.peers[side]?.producers.values() ?? [])].map((p) => view(p.producer, p.source));
  }

  private closeProducer(peer: Peer, id: string): void {
    peer.producers.get(id)?.producer.close();
    peer.producers.delete(id);
  }

  /** Closes a side's transports, and with them its producers and consumers. */
  private dropPeer(side: Side): void {
    const peer = this.peers[side];
    if (!peer) return;
    delete this.peers[side];
    for (const t of peer.transports.values()) t.close();
  }

  private startAway(side: Side): void {
    if (this.closed || this.away.has(side)) return;
    this.away.set(
      side,
      setTimeout(() => {
        this.away.delete(side);
        if (!this.closed) this.events.failed('left');
      }, this.rejoinMs),
    );
    this.announce();
  }

  private cancelAway(side: Side): void {
    const t = this.away.get(side);
    if (!t) return;
    clearTimeout(t);
    this.away.delete(side);
    this.announce();
  }

  /** Tells who is present, when that changed. */
  private announce(): void {
    const now = this.present.join(',');
    if (now === this.announced) return;
    this.announced = now;
    this.events.presence(this.present);
  }
}

function view(producer: types.Producer, source: Source): ProducerView {
  return { producerId: producer.id, kind: producer.kind, source, paused: producer.paused };
}

/** mediasoup refuses bad parameters with TypeError or an Error: the caller's fault, said so. */
async function media<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof VideoError) throw err;
    throw new VideoError('VIDEO_ERR_MEDIA', `refused: ${(err as Error).message}`.slice(0, 300), { cause: err });
  }
}
