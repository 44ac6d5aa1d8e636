/**
 * video.js: the call in the widget, imported by widget.js only when a call starts (it carries
 * mediasoup-client). The other side big (their screen when they share one, else their camera),
 * the visitor's own camera small, and the controls: microphone, camera, screen, hang up. Nothing
 * is ever a blank box: a camera that is off or missing says so in words.
 */
import { VideoCallEngine, type MediaProblem } from '../video/call.ts';
import { h } from './dom.ts';
import { videoCallTexts as t } from './texts.fr.ts';
import type { MountCall } from './video-contract.ts';

const css = `
.call{display:flex;flex-direction:column;gap:6px;padding:8px 12px;border-bottom:1px solid #e5e5e5;background:#f7f7f8}
.stage{position:relative;aspect-ratio:16/9;background:#1a1a1a;border-radius:8px;overflow:hidden;color:#fff}
.stage video{width:100%;height:100%;object-fit:contain;display:block}
.stage .self,.stage .side{position:absolute;right:6px;bottom:6px;width:28%;height:auto;aspect-ratio:4/3;object-fit:cover;border:2px solid #fff;border-radius:6px;background:#333}
.stage .side{left:6px;right:auto}
.placeholder{position:absolute;inset:0;display:grid;place-items:center;margin:0;padding:12px;text-align:center;font-size:14px}
.controls{display:flex;gap:6px;flex-wrap:wrap}
.controls button{flex:1 1 auto;min-height:40px;padding:6px 8px;border-radius:6px;border:1px solid #767676;background:#fff;font-size:13px}
.controls [aria-pressed=true]{background:#1a1a1a;color:#fff}
.controls .hangup{background:#b00020;color:#fff;border-color:#b00020}
.video-stats{margin:0;font-size:11px;color:#4d4d4d}
`;

export const mountCall: MountCall = async (o) => {
  const engine = new VideoCallEngine(o.signal, o.sessionId);
  const main = h('video', { class: 'main', autoplay: true, playsinline: true, muted: true });
  const side = h('video', {
    class: 'side',
    autoplay: true,
    playsinline: true,
    muted: true,
    hidden: true,
    'aria-label': t.remoteCamera(o.agent),
  });
  const self = h('video', { class: 'self', autoplay: true, playsinline: true, muted: true, hidden: true, 'aria-label': t.you });
  const placeholder = h('p', { class: 'placeholder', role: 'status' }, t.waitingRemote(o.agent));
  const audio = h('audio', { autoplay: true });
  // The property, not the attribute, is what lets a video start without a click.
  for (const v of [main, side, self]) v.muted = true;
  const button = (text: string, cls = '') => h('button', { type: 'button', class: cls }, text);
  const mic = button(t.micOff);
  const cam = button(t.cameraOff);
  const screen = button(t.shareScreen);
  const hangUp = button(t.hangUp, 'hangup');
  screen.hidden = typeof navigator.mediaDevices?.getDisplayMedia !== 'function'; // phones cannot share
  const stats = h('p', { class: 'video-stats', 'aria-hidden': 'true' });
  const region = h(
    'section',
    { class: 'call', role: 'region', 'aria-label': t.region },
    h('div', { class: 'stage' }, main, placeholder, side, self),
    audio,
    h('div', { class: 'controls' }, mic, cam, screen, hangUp),
    stats,
  );
  o.slot.replaceChildren(h('style', {}, css), region);

  const show = (el: HTMLMediaElement, track: MediaStreamTrack | null | undefined) => {
    const now = (el.srcObject as MediaStream | null)?.getTracks()[0];
    if (now !== (track ?? undefined)) el.srcObject = track ? new MediaStream([track]) : null;
    el.hidden = !track;
    if (track) void el.play().catch(() => undefined);
  };
  const draw = () => {
    const s = engine.state;
    const { camera, screen: shared, microphone } = s.remote;
    const big = shared ?? camera;
    show(main, big && !big.paused ? big.track : null);
    main.setAttribute('aria-label', shared ? t.remoteScreen(o.agent) : t.remoteCamera(o.agent));
    show(side, shared && camera && !camera.paused ? camera.track : null);
    show(self, s.cameraOn ? s.camera : null);
    show(audio, microphone?.track);
    placeholder.textContent = !big ? t.waitingRemote(o.agent) : big.paused ? t.remoteCameraOff(o.agent) : '';
    placeholder.hidden = !placeholder.textContent;
    if (microphone?.paused) placeholder.textContent += (placeholder.textContent ? ' · ' : '') + t.remoteMuted(o.agent);
    placeholder.hidden = !placeholder.textContent;
    const toggle = (b: HTMLButtonElement, has: boolean, on: boolean, off: string, back: string) => {
      b.hidden = !has;
      b.textContent = on ? off : back;
      b.setAttribute('aria-pressed', String(!on));
    };
    toggle(mic, s.hasMic, s.micOn, t.micOff, t.micOn);
    toggle(cam, s.hasCamera, s.cameraOn, t.cameraOff, t.cameraOn);
    screen.textContent = s.screen ? t.stopScreen : t.shareScreen;
    screen.setAttribute('aria-pressed', String(Boolean(s.screen)));
  };
  engine.onChange = draw;
  engine.onProblem = (p: MediaProblem) => o.say(t.problems[p]);

  const busy = (b: HTMLButtonElement, fn: () => Promise<unknown>) =>
    b.addEventListener('click', async () => {
      if (b.getAttribute('aria-disabled')) return;
      b.setAttribute('aria-disabled', 'true');
      await fn().catch(() => undefined);
      b.removeAttribute('aria-disabled');
    });
  busy(mic, () => engine.setMic(!engine.state.micOn));
  busy(cam, () => engine.setCamera(!engine.state.cameraOn));
  busy(screen, () => (engine.state.screen ? engine.stopScreen() : engine.shareScreen()));
  hangUp.addEventListener('click', () => o.onHangUp());

  const timer = setInterval(async () => {
    const s = await engine.stats().catch(() => null);
    if (s) stats.textContent = t.stats(s.videoFrames, s.screenFrames, s.audioPackets);
  }, 1000);
  const close = () => {
    clearInterval(timer);
    engine.close();
    o.slot.replaceChildren();
  };
  draw();
  try {
    await engine.start();
  } catch (err) {
    close();
    throw err;
  }
  return { close };
};
