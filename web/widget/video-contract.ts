/**
 * What widget.js hands to video.js (the call, loaded only when a call starts) and gets back.
 * Types only: the two are separate bundles, and mediasoup-client stays out of the chat's.
 */
import type { Signalling } from '../video/call.ts';

export interface CallMountOptions {
  /** Where the call is drawn, inside the widget's shadow root (its styles go there too). */
  slot: HTMLElement;
  root: ShadowRoot;
  signal: Signalling;
  sessionId: string;
  /** The agent's name, for "Caméra de … coupée". */
  agent: string;
  /** A short message for the visitor (permission refused, no camera…), in French. */
  say(text: string): void;
  /** The visitor hung up (the server is told by video.js). */
  onHangUp(): void;
}

export interface CallHandle {
  /** The call is over: stops the camera, leaves, clears the slot. */
  close(): void;
}

export type MountCall = (o: CallMountOptions) => Promise<CallHandle>;
