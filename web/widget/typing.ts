/**
 * Turns keystrokes into few `typing` events: `true` on the first key, `false` after a pause or on
 * send; at most one `true` per `refreshMs` while typing goes on (so the agent's indicator is kept
 * alive without an event per key).
 */
export interface TypingOptions {
  emit: (typing: boolean) => void;
  idleMs?: number;
  refreshMs?: number;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export function createTypingSignal(options: TypingOptions): { keystroke(): void; stop(): void } {
  const idleMs = options.idleMs ?? 3000;
  const refreshMs = options.refreshMs ?? 5000;
  const now = options.now ?? Date.now;
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  let sentAt: number | null = null;
  let idle: unknown = null;

  const stop = () => {
    if (idle !== null) clearTimer(idle);
    idle = null;
    if (sentAt === null) return;
    sentAt = null;
    options.emit(false);
  };
  const keystroke = () => {
    if (sentAt === null || now() - sentAt >= refreshMs) {
      sentAt = now();
      options.emit(true);
    }
    if (idle !== null) clearTimer(idle);
    idle = setTimer(stop, idleMs);
  };
  return { keystroke, stop };
}
