/**
 * The call the agent is on (a queue call or a callback), controlled through Relais: hold, resume,
 * hang up, transfers. Its state (held, consulting a colleague) comes from the phone side, as
 * events on the console socket and as the answer to each command. Mute and keypad digits stay in
 * the browser phone (phone/line.ts).
 */
import { computed, signal } from '@preact/signals';
import type { AssignedView, CallView } from '../../../../console/protocol.ts';
import { api } from '../api.ts';
import { assignments } from './live.ts';

export type TransferTarget = { agent: string } | { team: string };

/** The agent's voice interaction in hand, if any. */
export const currentCall = computed<AssignedView | null>(
  () => assignments.value.find((a) => a.channel === 'call' || a.channel === 'callback') ?? null,
);

/** Each call's state as the phone side last told it, by call id (the interaction's id). */
export const callStates = signal<ReadonlyMap<string, CallView>>(new Map());

export function callChanged(c: CallView): void {
  callStates.value = new Map(callStates.value).set(c.id, c);
}

export function callEnded(callId: string): void {
  const next = new Map(callStates.value);
  next.delete(callId);
  callStates.value = next;
}

/** After a reload: the calls this agent has, as the phone side sees them. */
export async function loadCalls(): Promise<void> {
  const { calls } = await api.get<{ calls: CallView[] }>('/api/calls/mine');
  callStates.value = new Map(calls.map((c) => [c.id, c]));
}

async function command(id: string, action: string, body: unknown = {}): Promise<void> {
  const { call } = await api.post<{ call: CallView | null }>(`/api/calls/${encodeURIComponent(id)}/${action}`, body);
  if (call) callChanged(call);
  else callEnded(id);
}

export const hold = (id: string, on: boolean) => command(id, on ? 'hold' : 'resume');
export const hangupCall = (id: string) => command(id, 'hangup');
export const transfer = (id: string, to: TransferTarget, mode: 'blind' | 'attended') => command(id, 'transfer', { to, mode });
export const finishTransfer = (id: string, how: 'complete' | 'cancel') => command(id, `transfer/${how}`);
