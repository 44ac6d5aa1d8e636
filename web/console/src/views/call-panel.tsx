/** The call in hand: who, for how long, and the controls (mute, keypad, hold, transfer, hang up). */
import { useState } from 'preact/hooks';
import type { AssignedView } from '../../../../console/protocol.ts';
import { audioStats, hangup as hangupPhone, line, sendDigit, setMuted } from '../phone/line.ts';
import { control, finishTransfer, hangupCall, hold, transfer, type TransferTarget } from '../state/calls.ts';
import { boot } from '../state/session.ts';
import { duration, t } from '../texts.fr.ts';
import { act, secondsSince, Who } from './common.tsx';

export function CallPanel({ call }: { call: AssignedView }) {
  const l = line.value;
  const c = control.value;
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
        {c.held && !c.consulting && <p class="held">{t.onHold}</p>}
        {c.consulting && (
          <p class="consulting">{t.consulting(boot().staff.find((s) => s.id === c.consulting!.agent)?.name ?? c.consulting.agent)}</p>
        )}
      </header>
      <div class="controls">
        {inBrowser && (
          <button aria-pressed={l.muted} onClick={() => setMuted(!l.muted)}>
            {l.muted ? t.unmute : t.mute}
          </button>
        )}
        {!c.consulting && (
          <button aria-pressed={c.held} onClick={act(() => hold(call.interactionId, !c.held))}>
            {c.held ? t.resume : t.hold}
          </button>
        )}
        {c.consulting ? (
          <>
            <button onClick={act(() => finishTransfer(call.interactionId, 'complete'))}>{t.completeTransfer}</button>
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
  const b = boot();
  const [target, setTarget] = useState('');
  const parse = (): TransferTarget | null => {
    const [kind, id] = target.split(':');
    if (!id) return null;
    return kind === 'team' ? { team: id } : { agent: id };
  };
  const go = (mode: 'blind' | 'attended') => {
    const to = parse();
    if (to) act(() => transfer(callId, to, mode))();
  };
  const chosen = parse();
  return (
    <fieldset class="transfer">
      <legend>{t.transfer}</legend>
      <select aria-label={t.transferTo} value={target} onChange={(e) => setTarget((e.target as HTMLSelectElement).value)}>
        <option value="">{t.transferTo}…</option>
        <optgroup label={t.toAgent}>
          {b.staff
            .filter((s) => s.id !== b.me.id)
            .map((s) => (
              <option value={`agent:${s.id}`}>{s.name}</option>
            ))}
        </optgroup>
        <optgroup label={t.toTeam}>
          {b.teams.map((x) => (
            <option value={`team:${x.id}`}>{x.name}</option>
          ))}
        </optgroup>
      </select>
      <button disabled={!chosen} onClick={() => go('blind')}>
        {t.transferBlind}
      </button>
      <button disabled={!chosen || !('agent' in (chosen ?? {}))} onClick={() => go('attended')}>
        {t.transferAttended}
      </button>
    </fieldset>
  );
}
