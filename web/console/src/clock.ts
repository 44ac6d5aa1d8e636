/** The server's clock as the console follows it, ticking every second (waits, countdowns). */
import { signal } from '@preact/signals';

/** How far the server's clock is ahead of this PC's (set at login): waits are measured on the server's. */
let skewMs = 0;
export function syncClock(serverTime: string, sentAt: number): void {
  skewMs = Date.parse(serverTime) - (sentAt + Date.now()) / 2;
  now.value = Date.now() + skewMs;
}

/** The server's clock, ticking every second, for waiting times and countdowns. */
export const now = signal(Date.now());
setInterval(() => (now.value = Date.now() + skewMs), 1000);
