/**
 * The console's browser phone: SIP.js registered on the staff member's WebRTC endpoint through
 * Relais' SIP WebSocket (`/sip`, same origin, staff session required), taking the calls Relais
 * rings it with. One call at a time (an agent's voice capacity). Loaded on demand (SIP.js is most
 * of the console's weight): the views read phone/line.ts.
 */
import {
  Invitation,
  Registerer,
  RegistererState,
  Session,
  SessionState,
  UserAgent,
  UserAgentState,
  type SessionDescriptionHandler,
} from 'sip.js';

import { audioStats, line, registration, type PhoneCredentials } from './line.ts';

let ua: UserAgent | undefined;
let registerer: Registerer | undefined;
let current: Session | undefined;
let statsTimer: ReturnType<typeof setInterval> | undefined;
const remoteAudio = new Audio();
remoteAudio.autoplay = true;

export class MicrophoneUnavailable extends Error {
  override readonly name = 'MicrophoneUnavailable';
}

/** Connects and registers; reconnects by itself when the WebSocket drops. */
export async function startPhone(c: PhoneCredentials, onIncoming: () => void): Promise<void> {
  await stopPhone();
  registration.value = 'connecting';
  const uri = UserAgent.makeURI(`sip:${c.user}@${c.domain}`);
  if (!uri) throw new Error(`not a SIP address: ${c.user}@${c.domain}`);
  const agent = new UserAgent({
    uri,
    displayName: c.displayName,
    authorizationUsername: c.user,
    authorizationPassword: c.password,
    transportOptions: { server: c.wsUrl, traceSip: false },
    logLevel: 'error',
    sessionDescriptionHandlerFactoryOptions: { iceGatheringTimeout: 500 },
    delegate: {
      onInvite: (invitation) => takeInvitation(invitation, onIncoming),
      onDisconnect: () => {
        registration.value = 'connecting';
        setTimeout(() => void reconnect(agent), 2000);
      },
    },
  });
  ua = agent;
  registerer = new Registerer(agent, { expires: 300 });
  registerer.stateChange.addListener((s) => {
    if (s === RegistererState.Registered) registration.value = 'registered';
    else if (s === RegistererState.Unregistered || s === RegistererState.Terminated) registration.value = 'offline';
  });
  await agent.start();
  await registerer.register({ requestDelegate: { onReject: () => (registration.value = 'failed') } });
}

async function reconnect(agent: UserAgent): Promise<void> {
  if (ua !== agent || agent.state === UserAgentState.Stopped) return;
  try {
    await agent.reconnect();
    await registerer?.register();
  } catch {
    setTimeout(() => void reconnect(agent), 5000);
  }
}

export async function stopPhone(): Promise<void> {
  const agent = ua;
  ua = undefined;
  hangup();
  if (!agent) return;
  await registerer?.unregister().catch(() => undefined);
  await agent.stop().catch(() => undefined);
  registration.value = 'offline';
}

function takeInvitation(invitation: Invitation, onIncoming: () => void): void {
  // One call at a time: a second one while busy is refused (Relais offers it to someone else).
  if (current) return void invitation.reject({ statusCode: 486 }).catch(() => undefined);
  current = invitation;
  const from = invitation.remoteIdentity.displayName || invitation.remoteIdentity.uri.user || '';
  line.value = { kind: 'ringing', from, since: Date.now() };
  invitation.stateChange.addListener((s) => onSessionState(invitation, s, from));
  onIncoming();
}

function onSessionState(session: Session, s: SessionState, from: string): void {
  if (session !== current) return;
  if (s === SessionState.Established) {
    attachAudio(session);
    line.value = { kind: 'talking', from, since: Date.now(), muted: false };
  } else if (s === SessionState.Terminated) {
    current = undefined;
    line.value = { kind: 'idle' };
    clearInterval(statsTimer);
    audioStats.value = null;
    remoteAudio.srcObject = null;
  }
}

/** Answers the ringing call (microphone only). */
export async function answer(): Promise<void> {
  if (!(current instanceof Invitation) || line.value.kind !== 'ringing') return;
  line.value = { kind: 'connecting', from: line.value.from };
  try {
    await current.accept({ sessionDescriptionHandlerOptions: { constraints: { audio: true, video: false } } });
  } catch (err) {
    // No microphone (refused, or none): SIP.js has refused this leg; the agent's desk phone still rings.
    throw err instanceof DOMException && (err.name === 'NotAllowedError' || err.name === 'NotFoundError')
      ? new MicrophoneUnavailable()
      : err;
  }
}

/** Refuses the ringing call, or ends the call in progress. */
export function hangup(): void {
  const s = current;
  if (!s) return;
  // 603 Decline: Relais counts it as declined by the agent, not as a missed ring.
  if (s instanceof Invitation && s.state === SessionState.Initial) void s.reject({ statusCode: 603 }).catch(() => undefined);
  else if (s.state === SessionState.Established) void s.bye().catch(() => undefined);
}

export function setMuted(muted: boolean): void {
  const l = line.value;
  if (l.kind !== 'talking' || !current) return;
  for (const sender of peer(current)?.getSenders() ?? []) if (sender.track) sender.track.enabled = !muted;
  line.value = { ...l, muted };
}

/** Sends a keypad digit to the other side (RFC 4733 through the media path). */
export function sendDigit(digit: string): void {
  if (!current || !/^[0-9*#]$/.test(digit)) return;
  const sender = peer(current)
    ?.getSenders()
    .find((x) => x.dtmf);
  sender?.dtmf?.insertDTMF(digit, 120, 70);
}

function peer(session: Session): RTCPeerConnection | undefined {
  const handler = session.sessionDescriptionHandler as (SessionDescriptionHandler & { peerConnection?: RTCPeerConnection }) | undefined;
  return handler?.peerConnection;
}

function attachAudio(session: Session): void {
  const pc = peer(session);
  if (!pc) return;
  const stream = new MediaStream();
  for (const r of pc.getReceivers()) if (r.track) stream.addTrack(r.track);
  remoteAudio.srcObject = stream;
  void remoteAudio.play().catch(() => undefined);
  clearInterval(statsTimer);
  statsTimer = setInterval(async () => {
    const stats = await pc.getStats().catch(() => undefined);
    if (!stats) return;
    let received = 0;
    let sent = 0;
    let jitter: number | null = null;
    stats.forEach((r: RTCStats & Record<string, unknown>) => {
      if (r.type === 'inbound-rtp' && r.kind === 'audio') {
        received += Number(r.packetsReceived ?? 0);
        jitter = typeof r.jitter === 'number' ? Math.round(r.jitter * 1000) : jitter;
      }
      if (r.type === 'outbound-rtp' && r.kind === 'audio') sent += Number(r.packetsSent ?? 0);
    });
    audioStats.value = { packetsReceived: received, packetsSent: sent, jitterMs: jitter };
  }, 1000);
}
