/**
 * The call the agent is on (a queue call or a callback), controlled through Relais: hold, resume,
 * hang up, transfers. Mute and keypad digits stay in the browser phone (phone/line.ts).
 */
import { computed, signal } from '@preact/signals';
import type { AssignedView } from '../../../../console/protocol.ts';
import { api } from '../api.ts';
import { assignments } from './live.ts';

export type TransferTarget = { agent: string } | { team: string };

export interface CallControlState {
  held: boolean;
  /** Attended transfer in progress: the colleague being consulted. */
  consulting: { agent: string; answered: boolean } | null;
}

/** The agent's voice interaction in hand, if any. */
export const currentCall = computed<AssignedView | null>(
  () => assignments.value.find((a) => a.channel === 'call' || a.channel === 'callback') ?? null,
);
export const control = signal<CallControlState>({ held: false, consulting: null });

const path = (id: string, action: string) => `/api/calls/${encodeURIComponent(id)}/${action}`;

export async function hold(id: string, on: boolean): Promise<void> {
  await api.post(path(id, on ? 'hold' : 'resume'));
  control.value = { ...control.value, held: on };
}

export async function hangupCall(id: string): Promise<void> {
  await api.post(path(id, 'hangup'));
}

export async function transfer(id: string, to: TransferTarget, mode: 'blind' | 'attended'): Promise<void> {
  await api.post(path(id, 'transfer'), { to, mode });
  if (mode === 'attended' && 'agent' in to) control.value = { held: true, consulting: { agent: to.agent, answered: false } };
}

export async function finishTransfer(id: string, how: 'complete' | 'cancel'): Promise<void> {
  await api.post(path(id, `transfer/${how}`));
  control.value = { held: how === 'cancel' ? control.value.held : false, consulting: null };
}
