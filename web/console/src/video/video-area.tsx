/**
 * Video in a chat panel: `VideoAction` (propose, or answer the visitor's proposal) in the panel's
 * header, and `VideoArea`, the call beside the thread: the visitor big (their screen when they
 * share one, with their camera small), the agent's own camera small, the controls, and what
 * WebRTC received (frames, audio packets). The call's code and mediasoup-client are imported
 * when a call starts.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { SessionView } from '../../../../video/protocol.ts';
import type { CallState, VideoCallEngine } from '../../../video/call.ts';
import { boot } from '../state/session.ts';
import { t } from '../texts.fr.ts';
import { answerVideo, endVideo, notice, proposeVideo, refreshVideo, signalling, socketId, videoNotices, videoSessions } from './state.ts';

export function VideoAction({ conversationId, visitor }: { conversationId: string; visitor: string }) {
  useEffect(() => void (boot().video && refreshVideo(conversationId)), [conversationId]);
  if (!boot().video) return null;
  const s = videoSessions.value.get(conversationId);
  const note = videoNotices.value.get(conversationId);
  return (
    <div class="video-action">
      {!s && (
        <button class="propose-video" onClick={() => void proposeVideo(conversationId)}>
          {t.video.propose}
        </button>
      )}
      {s?.state === 'proposed' && s.by === 'agent' && (
        <span role="status">
          {t.video.proposed} <button onClick={() => void endVideo(s)}>{t.video.cancel}</button>
        </span>
      )}
      {s?.state === 'proposed' && s.by === 'visitor' && (
        <span role="group" aria-label={t.video.proposedByVisitor(visitor)}>
          {t.video.proposedByVisitor(visitor)} <button onClick={() => void answerVideo(s, true)}>{t.video.accept}</button>{' '}
          <button onClick={() => void answerVideo(s, false)}>{t.video.decline}</button>
        </span>
      )}
      {note && (
        <p class="video-notice" role="status">
          {note}
        </p>
      )}
    </div>
  );
}

export function VideoArea({ conversationId }: { conversationId: string }) {
  const s = videoSessions.value.get(conversationId);
  if (s?.state !== 'active') return null;
  // A new socket (a reconnection) is a new page to the server: join again.
  return <VideoCall key={`${s.id}:${socketId()}`} session={s} />;
}

function VideoCall({ session }: { session: SessionView }) {
  const [state, setState] = useState<CallState | null>(null);
  const [stats, setStats] = useState<string>('');
  const engine = useRef<VideoCallEngine | undefined>(undefined);
  useEffect(() => {
    let closed = false;
    let timer: ReturnType<typeof setInterval> | undefined;
    void (async () => {
      const { VideoCallEngine } = await import('../../../video/call.ts');
      if (closed) return;
      const e = new VideoCallEngine(signalling(), session.id);
      engine.current = e;
      e.onChange = () => setState({ ...e.state, remote: { ...e.state.remote } });
      e.onProblem = (p) => notice(session.conversationId, t.video.problems[p]);
      timer = setInterval(async () => {
        const x = await e.stats().catch(() => null);
        if (x) setStats(t.video.stats(x.videoFrames, x.screenFrames, x.audioPackets));
      }, 1000);
      await e.start();
    })().catch((err: Error) => notice(session.conversationId, `${t.video.failed} (${err.message})`));
    return () => {
      closed = true;
      clearInterval(timer);
      engine.current?.close();
    };
  }, [session.id]);

  const e = engine.current;
  const remote = state?.remote ?? {};
  const big = remote.screen ?? remote.camera;
  const away = !session.present.includes('visitor');
  const words = [
    away ? t.video.remoteAway : !big ? (state ? t.video.remoteNoCamera : t.video.joining) : big.paused ? t.video.remoteCameraOff : null,
    remote.microphone?.paused ? t.video.remoteMuted : null,
  ].filter(Boolean);
  return (
    <section class="video-area" aria-label={t.video.region}>
      <div class="stage">
        <Media
          track={big && !big.paused ? big.track : null}
          class="main"
          label={remote.screen ? t.video.remoteScreen : t.video.remoteCamera}
        />
        {words.length > 0 && (
          <p class="placeholder" role="status">
            {words.join(' · ')}
          </p>
        )}
        <Media
          track={remote.screen && remote.camera && !remote.camera.paused ? remote.camera.track : null}
          class="side"
          label={t.video.remoteCamera}
        />
        <Media track={state?.cameraOn ? state.camera : null} class="self" label={t.video.you} />
        <Media track={remote.microphone?.track ?? null} audio />
      </div>
      {state && e && (
        <div class="video-controls">
          {state.hasMic && (
            <button aria-pressed={!state.micOn} onClick={() => void e.setMic(!state.micOn)}>
              {state.micOn ? t.video.micOff : t.video.micOn}
            </button>
          )}
          {state.hasCamera && (
            <button aria-pressed={!state.cameraOn} onClick={() => void e.setCamera(!state.cameraOn)}>
              {state.cameraOn ? t.video.cameraOff : t.video.cameraOn}
            </button>
          )}
          <button aria-pressed={Boolean(state.screen)} onClick={() => void (state.screen ? e.stopScreen() : e.shareScreen())}>
            {state.screen ? t.video.stopScreen : t.video.shareScreen}
          </button>
          <button class="hangup" onClick={() => void endVideo(session)}>
            {t.video.hangUp}
          </button>
        </div>
      )}
      <p class="video-stats">{stats}</p>
    </section>
  );
}

/** A track in a <video> (muted: sound goes through its own <audio>) or an <audio>; nothing drawn for none. */
function Media({ track, audio, label, ...rest }: { track: MediaStreamTrack | null; audio?: boolean; label?: string; class?: string }) {
  const ref = useRef<HTMLVideoElement & HTMLAudioElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.srcObject = track ? new MediaStream([track]) : null;
    if (track) void el.play().catch(() => undefined);
  }, [track]);
  if (audio) return <audio ref={ref} autoplay />;
  return <video ref={ref} autoplay playsInline muted hidden={!track} aria-label={label} {...rest} />;
}
