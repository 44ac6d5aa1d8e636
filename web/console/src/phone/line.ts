/**
 * The browser phone as the views see it: its state as signals, and its actions, which load SIP.js
 * (phone/line.ts) only once the console starts the phone.
 */
import { signal } from '@preact/signals';

export interface PhoneCredentials {
  /** `ws(s)://host/sip`: Relais' proxy to Asterisk's SIP WebSocket. */
  wsUrl: string;
  /** SIP user (the WebRTC endpoint, `<staff>-webrtc`), its password, and the SIP domain. */
  user: string;
  password: string;
  domain: string;
  displayName: string;
}

export type PhoneLine =
  | { kind: 'idle' }
  | { kind: 'ringing'; from: string; since: number }
  | { kind: 'connecting'; from: string }
  | { kind: 'talking'; from: string; since: number; muted: boolean };

export type Registration = 'offline' | 'connecting' | 'registered' | 'failed';

/** What the remote side sent us, from WebRTC statistics: proof that audio flows. */
export interface AudioStats {
  packetsReceived: number;
  packetsSent: number;
  jitterMs: number | null;
}

export const registration = signal<Registration>('offline');
export const line = signal<PhoneLine>({ kind: 'idle' });
export const audioStats = signal<AudioStats | null>(null);

type Phone = typeof import('./softphone.ts');
let loading: Promise<Phone> | undefined;
const phone = () => (loading ??= import('./softphone.ts'));

export const startPhone = async (c: PhoneCredentials, onIncoming: () => void) => (await phone()).startPhone(c, onIncoming);
export const stopPhone = async () => (loading ? (await loading).stopPhone() : undefined);
export const answer = async () => (await phone()).answer();
export const hangup = () => void phone().then((p) => p.hangup());
export const setMuted = (muted: boolean) => void phone().then((p) => p.setMuted(muted));
export const sendDigit = (digit: string) => void phone().then((p) => p.sendDigit(digit));
