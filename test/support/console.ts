/** The agent console in Chromium for tests: the media switches, a logged-in page, and what its phone received. */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { TestRelais } from './relais.ts';

/** Chromium with a fake microphone and camera it may use without asking, doing WebRTC on this machine. */
export const MEDIA_FLAGS = [
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
];

const open = new Set<BrowserContext>();

/** A staff member's console at 1280×720, logged in through its form, their browser phone registered. */
export async function consoleOf(b: Browser, t: TestRelais, staff: string): Promise<Page> {
  const context = await b.newContext({ viewport: { width: 1280, height: 720 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
  open.add(context);
  await context.addInitScript(keepPeerConnections);
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${t.config.server.port}/console/`);
  await page.getByLabel('Identifiant').fill(staff);
  await page.getByLabel('Mot de passe').fill(t.consolePasswords[staff]!);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByText('Téléphone prêt').waitFor({ timeout: 15_000 });
  return page;
}

/**
 * After a test: every console it opened is closed, its browser phone gone with its WebSocket. A
 * staff member's next console is then the only one their calls can ring.
 */
export async function closeConsoles(): Promise<void> {
  const contexts = [...open];
  open.clear();
  await Promise.all(contexts.map((c) => c.close()));
}

/** Runs in the page before its scripts: every RTCPeerConnection it makes is kept where the test can ask it for statistics. */
function keepPeerConnections(): void {
  const Native = window.RTCPeerConnection;
  const kept: RTCPeerConnection[] = [];
  (window as unknown as { relaisPeers: RTCPeerConnection[] }).relaisPeers = kept;
  window.RTCPeerConnection = class extends Native {
    constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
      super(...args);
      kept.push(this);
    }
  };
}

/** What the page's phone has received so far: audio packets, and the energy of the audio it decoded (what the agent hears). */
export interface PageAudio {
  packets: number;
  /** WebRTC's totalAudioEnergy: the sum of level² × duration, level in [0, 1]. */
  energy: number;
  seconds: number;
}

export function pageAudio(page: Page): Promise<PageAudio> {
  return page.evaluate(async () => {
    const total = { packets: 0, energy: 0, seconds: 0 };
    for (const pc of (window as unknown as { relaisPeers: RTCPeerConnection[] }).relaisPeers) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((r: Record<string, unknown>) => {
        if (r.type !== 'inbound-rtp' || r.kind !== 'audio') return;
        total.packets += Number(r.packetsReceived ?? 0);
        total.energy += Number(r.totalAudioEnergy ?? 0);
        total.seconds += Number(r.totalSamplesDuration ?? 0);
      });
    }
    return total;
  });
}

/** The level the agent heard between two looks at the page's audio, in dBFS (-Infinity: nothing, or digital silence). */
export function levelHeard(from: PageAudio, to: PageAudio): number {
  const seconds = to.seconds - from.seconds;
  return seconds > 0 ? 10 * Math.log10((to.energy - from.energy) / seconds) : -Infinity;
}
