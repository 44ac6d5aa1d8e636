/**
 * One side of a video call in the browser, shared by the website widget and the agent console:
 * joins the call, gets the camera and microphone (or what of them it can, saying why not),
 * sends them, receives the other side's camera, microphone and screen, shares a screen, mutes,
 * turns the camera off, and reads WebRTC's statistics. The page draws it; this has no DOM of its
 * own. mediasoup-client is heavy (about 40 kB gzipped): pages import this module only when a call
 * starts.
 */
import { Device, type types } from 'mediasoup-client';
import type { ConsumerOptions, JoinAnswer, ProducerView, Source, TransportOptions, VideoAck, VideoFailure } from '../../video/protocol.ts';

/** How the call reaches the server: the page's chat socket, with a deadline on each request. */
export interface Signalling {
  request<T extends object>(event: string, payload: object): Promise<VideoAck<T>>;
  on(event: 'video:producer' | 'video:producerPaused' | 'video:producerClosed', fn: (data: never) => void): () => void;
}

/** Why the call goes on with less than camera and microphone (the page says it in words). */
export type MediaProblem = 'no-webrtc' | 'denied' | 'no-camera' | 'no-microphone' | 'no-devices' | 'screen-failed';

export class CallFailure extends Error {
  constructor(readonly failure: VideoFailure) {
    super(failure.message);
  }
}

export interface RemoteMedia {
  track: MediaStreamTrack;
  paused: boolean;
}

/** What the page draws. */
export interface CallState {
  camera: MediaStreamTrack | null;
  screen: MediaStreamTrack | null;
  micOn: boolean;
  cameraOn: boolean;
  hasMic: boolean;
  hasCamera: boolean;
  remote: Partial<Record<Source, RemoteMedia>>;
}

/** Whether this browser can take part at all. */
export const webRtcAvailable = () => typeof RTCPeerConnection === 'function';

export class VideoCallEngine {
  readonly state: CallState = { camera: null, screen: null, micOn: false, cameraOn: false, hasMic: false, hasCamera: false, remote: {} };
  onChange: () => void = () => undefined;
  onProblem: (p: MediaProblem) => void = () => undefined;
  private device?: Device;
  private send?: types.Transport;
  private recv?: types.Transport;
  private readonly producers = new Map<Source, types.Producer>();
  private readonly consumers = new Map<string, { consumer: types.Consumer; source: Source }>();
  private readonly seen = new Set<string>();
  private readonly unsubscribe: (() => void)[] = [];
  private ready?: Promise<void>;
  private closed = false;

  constructor(
    private readonly signal: Signalling,
    readonly sessionId: string,
  ) {}

  /** Joins, sends what it can, receives the other side. Throws CallFailure when the server refuses. */
  async start(): Promise<void> {
    if (!webRtcAvailable()) {
      this.onProblem('no-webrtc');
      throw new CallFailure({ code: 'VIDEO_ERR_MEDIA', message: 'no WebRTC in this browser', then: 'fix' });
    }
    const mine = (p: { sessionId: string }) => p.sessionId === this.sessionId && !this.closed;
    this.unsubscribe.push(
      this.signal.on('video:producer', (p: ProducerView & { sessionId: string }) => void (mine(p) && this.consume(p))),
      this.signal.on('video:producerClosed', (p: { sessionId: string; producerId: string }) => mine(p) && this.dropConsumer(p.producerId)),
      this.signal.on('video:producerPaused', (p: { sessionId: string; producerId: string; paused: boolean }) => {
        const c = mine(p) && this.consumers.get(p.producerId);
        const r = c && this.state.remote[c.source];
        if (r) ((r.paused = p.paused), this.onChange());
      }),
    );
    const joined = await this.ask<JoinAnswer>('join', {});
    const media = this.localMedia(); // asks for the camera while the transports are made
    this.ready = (async () => {
      this.device = new Device();
      await this.device.load({ routerRtpCapabilities: joined.routerRtpCapabilities as types.RtpCapabilities });
      this.recv = await this.transport('recv');
    })();
    await this.ready;
    for (const p of joined.producers) void this.consume(p);
    const stream = await media;
    if (!stream || this.closed) return;
    this.send = await this.transport('send');
    for (const track of stream.getTracks()) await this.produce(track, track.kind === 'video' ? 'camera' : 'microphone');
  }

  async setMic(on: boolean): Promise<void> {
    await this.setPaused('microphone', !on);
    this.state.micOn = on && this.state.hasMic;
    this.onChange();
  }

  async setCamera(on: boolean): Promise<void> {
    await this.setPaused('camera', !on);
    const track = this.producers.get('camera')?.track;
    if (track) track.enabled = on; // the preview goes dark too: what the other side sees
    this.state.cameraOn = on && this.state.hasCamera;
    this.onChange();
  }

  /** Shares a screen (the browser asks which one); false when the visitor refused or cannot. */
  async shareScreen(): Promise<boolean> {
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { max: 15 } }, audio: false });
    } catch {
      this.onProblem('screen-failed');
      return false;
    }
    const track = stream.getVideoTracks()[0]!;
    this.send ??= await this.transport('send');
    await this.produce(track, 'screen');
    this.state.screen = track;
    // The browser's own "stop sharing" bar ends the track.
    track.addEventListener('ended', () => void this.stopScreen());
    this.onChange();
    return true;
  }

  async stopScreen(): Promise<void> {
    const p = this.producers.get('screen');
    if (!p) return;
    this.producers.delete('screen');
    p.close();
    p.track?.stop();
    this.state.screen = null;
    this.onChange();
    await this.ask('stop', { producerId: p.id }).catch(() => undefined);
  }

  /** What WebRTC received so far: video frames decoded (camera and screen) and audio packets. */
  async stats(): Promise<{ videoFrames: number; screenFrames: number; audioPackets: number }> {
    const out = { videoFrames: 0, screenFrames: 0, audioPackets: 0 };
    for (const { consumer, source } of this.consumers.values()) {
      (await consumer.getStats()).forEach((s: { type: string; kind?: string; framesDecoded?: number; packetsReceived?: number }) => {
        if (s.type !== 'inbound-rtp') return;
        if (s.kind === 'audio') out.audioPackets += s.packetsReceived ?? 0;
        else if (source === 'screen') out.screenFrames += s.framesDecoded ?? 0;
        else out.videoFrames += s.framesDecoded ?? 0;
      });
    }
    return out;
  }

  /** Leaves the call here (the server learns it from `video:end` or the page's socket closing). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const u of this.unsubscribe) u();
    for (const p of this.producers.values()) p.track?.stop();
    this.send?.close();
    this.recv?.close();
    this.state.remote = {};
  }

  private async ask<T extends object>(event: string, payload: object): Promise<T> {
    const a = await this.signal.request<T>(`video:${event}`, { sessionId: this.sessionId, ...payload });
    if (!a.ok) throw new CallFailure(a.error);
    return a;
  }

  /** The camera and microphone, or what of them there is; null (and the reason said) for none. */
  private async localMedia(): Promise<MediaStream | null> {
    const get = (c: MediaStreamConstraints) => navigator.mediaDevices.getUserMedia(c);
    const camera = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { max: 24 } };
    if (!navigator.mediaDevices?.getUserMedia) return this.without('no-devices'); // no secure context
    try {
      return this.got(await get({ audio: true, video: camera }));
    } catch (err) {
      if (['NotAllowedError', 'SecurityError'].includes((err as DOMException).name)) return this.without('denied');
    }
    // One of them is missing or busy: what is left.
    const audio = await get({ audio: true }).catch(() => null);
    if (audio) return (this.onProblem('no-camera'), this.got(audio));
    const video = await get({ video: camera }).catch(() => null);
    if (video) return (this.onProblem('no-microphone'), this.got(video));
    return this.without('no-devices');
  }

  private got(stream: MediaStream): MediaStream {
    this.state.hasMic = this.state.micOn = stream.getAudioTracks().length > 0;
    this.state.hasCamera = this.state.cameraOn = stream.getVideoTracks().length > 0;
    this.state.camera = stream.getVideoTracks()[0] ?? null;
    this.onChange();
    return stream;
  }

  private without(problem: MediaProblem): null {
    this.onProblem(problem);
    return null;
  }

  private async transport(direction: 'send' | 'recv'): Promise<types.Transport> {
    const { transport: o } = await this.ask<{ transport: TransportOptions }>('transport', { direction });
    const options = {
      id: o.id,
      iceParameters: o.iceParameters,
      iceCandidates: o.iceCandidates,
      dtlsParameters: o.dtlsParameters,
    } as types.TransportOptions;
    const t = direction === 'send' ? this.device!.createSendTransport(options) : this.device!.createRecvTransport(options);
    t.on(
      'connect',
      ({ dtlsParameters }, done, fail) => void this.ask('connect', { transportId: t.id, dtlsParameters }).then(() => done(), fail),
    );
    if (direction === 'send')
      t.on(
        'produce',
        ({ kind, rtpParameters, appData }, done, fail) =>
          void this.ask<{ producerId: string }>('produce', { transportId: t.id, kind, rtpParameters, source: appData.source }).then(
            ({ producerId }) => done({ id: producerId }),
            fail,
          ),
      );
    return t;
  }

  private async produce(track: MediaStreamTrack, source: Source): Promise<void> {
    const producer = await this.send!.produce({
      track,
      appData: { source },
      // Screens are text: sharp over smooth.
      ...(source === 'screen'
        ? { encodings: [{ maxBitrate: 1_500_000 }] }
        : source === 'camera'
          ? { encodings: [{ maxBitrate: 800_000 }] }
          : {}),
    });
    this.producers.set(source, producer);
  }

  private async setPaused(source: Source, paused: boolean): Promise<void> {
    const p = this.producers.get(source);
    if (!p || p.paused === paused) return;
    if (paused) p.pause();
    else p.resume();
    await this.ask('pause', { producerId: p.id, paused });
  }

  private async consume(p: ProducerView): Promise<void> {
    if (this.seen.has(p.producerId)) return;
    this.seen.add(p.producerId);
    await this.ready;
    if (this.closed) return;
    const { consumer: o } = await this.ask<{ consumer: ConsumerOptions }>('consume', {
      producerId: p.producerId,
      rtpCapabilities: this.device!.rtpCapabilities,
    });
    const consumer = await this.recv!.consume({
      id: o.id,
      producerId: o.producerId,
      kind: o.kind,
      rtpParameters: o.rtpParameters as types.RtpParameters,
    });
    this.consumers.set(o.producerId, { consumer, source: o.source });
    this.state.remote[o.source] = { track: consumer.track, paused: o.producerPaused };
    this.onChange();
    await this.ask('resume', { consumerId: o.id });
  }

  private dropConsumer(producerId: string): void {
    const c = this.consumers.get(producerId);
    if (!c) return;
    this.consumers.delete(producerId);
    c.consumer.close();
    if (this.state.remote[c.source]?.track === c.consumer.track) delete this.state.remote[c.source];
    this.onChange();
  }
}
