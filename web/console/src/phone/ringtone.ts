/**
 * The console's ring: two short tones every 2 s (WebAudio, nothing to download) while anything
 * is offered to the agent. Browsers start audio only after a user gesture: the first click or
 * key press on the page unlocks it.
 */
let ctx: AudioContext | undefined;
let timer: ReturnType<typeof setInterval> | undefined;

const unlock = () => {
  ctx ??= new AudioContext();
  void ctx.resume();
};
addEventListener('pointerdown', unlock, { once: true });
addEventListener('keydown', unlock, { once: true });

function beep(at: number, hz: number): void {
  if (!ctx) return;
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.frequency.value = hz;
  gain.gain.setValueAtTime(0.0001, at);
  gain.gain.exponentialRampToValueAtTime(0.2, at + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.35);
  osc.connect(gain).connect(ctx.destination);
  osc.start(at);
  osc.stop(at + 0.4);
}

export function startRinging(): void {
  if (timer) return;
  const ring = () => {
    if (!ctx || ctx.state !== 'running') return;
    beep(ctx.currentTime, 880);
    beep(ctx.currentTime + 0.45, 660);
  };
  ring();
  timer = setInterval(ring, 2000);
}

export function stopRinging(): void {
  clearInterval(timer);
  timer = undefined;
}
