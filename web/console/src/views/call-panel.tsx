/** The call in hand: who, for how long, and the controls (mute, keypad, hold, transfer, hang up). */
import { useState } from 'preact/hooks';
import type { AssignedView } from '../../../../console/protocol.ts';
import { audioStats, hangup as hangupPhone, line, sendDigit, setMuted } from '../phone/line.ts';
import { callStates, finishTransfer, hangupCall, hold, transfer } from '../state/calls.ts';
import { boot } from '../state/session.ts';
import { duration, t } from '../texts.fr.ts';
import { act, secondsSince, targetOf, TargetSelect, Who } from './common.tsx';

export function CallPanel({ call }: { call: AssignedView }) {
  const l = line.value;
  const state = callStates.value.get(call.interactionId);
  const held = state?.state === 'held' || state?.state === 'consulting';
  const consulting = state?.state === 'consulting' ? state.colleague : undefined;
  const inBrowser = l.kind === 'talking';
  const stats = audioStats.value;
  const end = () => (inBrowser ? (hangupPhone(), Promise.resolve()) : hangupCall(call.interactionId));
  return (
    <article class="call-panel" aria-label={t.onCall}>
      <header>
        <h2>
          {t.channels[call.channel]} — {call.teamName}
        </h2>
        <p>
          <Who c={call.customer} />
        </p>
        <p class="timer">
          {t.onCall} · {duration(secondsSince(call.since))}
        </p>
        {state?.state === 'held' && <p class="held">{t.onHold}</p>}
        {consulting && (
          <p class="consulting">
            {t.consulting(boot().staff.find((s) => s.id === consulting.agent)?.name ?? consulting.agent)}
            {!consulting.answered && ` — ${t.ringing}`}
          </p>
        )}
      </header>
      <div class="controls">
        {inBrowser && (
          <button aria-pressed={l.muted} onClick={() => setMuted(!l.muted)}>
            {l.muted ? t.unmute : t.mute}
          </button>
        )}
        {!consulting && (
          <button aria-pressed={held} onClick={act(() => hold(call.interactionId, !held))}>
            {held ? t.resume : t.hold}
          </button>
        )}
        {consulting ? (
          <>
            <button disabled={!consulting.answered} onClick={act(() => finishTransfer(call.interactionId, 'complete'))}>
              {t.completeTransfer}
            </button>
            <button onClick={act(() => finishTransfer(call.interactionId, 'cancel'))}>{t.cancelTransfer}</button>
          </>
        ) : (
          <TransferForm callId={call.interactionId} />
        )}
        <button class="hangup" onClick={act(end)}>
          {t.hangup}
        </button>
      </div>
      {inBrowser && <Keypad />}
      {inBrowser && stats && <p class="audio-stats">{t.audioIn(stats.packetsReceived, stats.jitterMs)}</p>}
    </article>
  );
}

function Keypad() {
  return (
    <details class="keypad">
      <summary>{t.keypad}</summary>
      <div class="keys">
        {'123456789*0#'.split('').map((d) => (
          <button onClick={() => sendDigit(d)}>{d}</button>
        ))}
      </div>
    </details>
  );
}

function TransferForm({ callId }: { callId: string }) {
  const [target, setTarget] = useState('');
  const chosen = targetOf(target);
  const go = (mode: 'blind' | 'attended') => chosen && act(() => transfer(callId, chosen, mode))();
  return (
    <fieldset class="transfer">
      <legend>{t.transfer}</legend>
      <TargetSelect label={t.transferTo} value={target} onChange={setTarget} />
      <button disabled={!chosen} onClick={() => go('blind')}>
        {t.transferBlind}
      </button>
      <button disabled={!chosen || !('agent' in chosen)} onClick={() => go('attended')}>
        {t.transferAttended}
      </button>
    </fieldset>
  );
}

/** A call on the browser phone that is no customer's interaction: a colleague, or a consultation. */
export function DirectCallPanel() {
  const l = line.value;
  if (l.kind !== 'talking' && l.kind !== 'connecting') return null;
  const stats = audioStats.value;
  return (
    <article class="call-panel" aria-label={t.onCall}>
      <header>
        <h2>{t.directCall}</h2>
        <p>
          <strong>{l.from}</strong>
        </p>
        <p class="timer">{l.kind === 'talking' ? `${t.onCall} · ${duration(secondsSince(l.since))}` : t.connecting}</p>
      </header>
      {l.kind === 'talking' && (
        <div class="controls">
          <button aria-pressed={l.muted} onClick={() => setMuted(!l.muted)}>
            {l.muted ? t.unmute : t.mute}
          </button>
          <button class="hangup" onClick={hangupPhone}>
            {t.hangup}
          </button>
        </div>
      )}
      {l.kind === 'talking' && <Keypad />}
      {stats && <p class="audio-stats">{t.audioIn(stats.packetsReceived, stats.jitterMs)}</p>}
    </article>
  );
}
