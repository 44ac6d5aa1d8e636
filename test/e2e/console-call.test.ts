/**
 * The agent console in a real browser (Debian's Chromium, its fake microphone saying a sentence),
 * on a real Asterisk with sipp callers: an agent logs in, goes available, a known customer calls
 * and presses 3, the console rings with their name and tier, the agent answers in the page, audio
 * flows both ways, the call is held, muted, passed on to a colleague (directly, or after talking to
 * them first), and lands on the customer's timeline.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakePrestashop, type FakePrestashop } from '../../demo/fake-prestashop.ts';
import { agentVoice, type AgentVoice } from '../support/agent-voice.ts';
import { launchChromium } from '../support/browser.ts';
import { closeConsoles, consoleOf, levelHeard, MEDIA_FLAGS, pageAudio } from '../support/console.ts';
import { consoleOf as apiAs, expectDone, talkUntilBye } from '../support/call-control.ts';
import {
  caller,
  expectCompleted,
  expectNothingLeft,
  invitesTo,
  promptMs,
  releasePeers,
  staffPhone,
  waitFor,
  type Caller,
} from '../support/calls.ts';
import { heardPrompt } from '../support/audio.ts';
import { expectHoldMusic, expectSilence, expectSpeech, heardBetween, speechShare } from '../support/listening.ts';
import { speechWav } from '../support/rtp-capture.ts';
import { speechLoopPcap } from '../support/speech-pcap.ts';
import type { SippPhone } from '../support/sipp.ts';
import { API_TOKEN, startTestRelais, type TestRelais } from '../support/relais.ts';

let t: TestRelais;
let shop: FakePrestashop;
let browser: Browser;
let voice: AgentVoice;

beforeAll(async () => {
  shop = await startFakePrestashop();
  t = await startTestRelais({
    patch: (c) => {
      c.customers = { ...c.customers, premiumShopGroups: [4], prestashop: { url: shop.url, key: { env: 'RELAIS_PRESTASHOP_KEY' } } };
      delete c.callbacks;
    },
    env: { RELAIS_PRESTASHOP_KEY: shop.key },
  });
  voice = await agentVoice();
  browser = await launchChromium([...MEDIA_FLAGS, voice.flag]);
});
afterEach(async () => {
  await closeConsoles();
  await releasePeers();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
  await shop?.close();
});

const base = () => `http://127.0.0.1:${t.config.server.port}`;

describe('a call taken in the console', () => {
  it('rings with the customer and tier, is answered in the browser, audio flows both ways, is held, transferred to a colleague, and lands on the timeline', async () => {
    const page = await consoleOf(browser, t, 'gary');
    await page.getByLabel('Présence').selectOption('available');
    await waitFor('gary available', async () => (await t.relais.routing.agent('gary')).presence === 'available');
    // Hector takes transfers on his desk phone: he answers and talks.
    const hector = await staffPhone(t, 'hector', 500, [{ speak: true }, { pause: 9000 }, { hangup: true }]);
    await t.relais.routing.setPresence('hector', 'paused', 'dossier');

    // Marie Dupont (premium at the shop) calls, chooses the technical support, talks, waits.
    const c = await caller(
      t,
      [{ pause: promptMs(t, 'greeting') + 800 }, { dtmf: '3' }, { pause: 5000 }, { speak: true }, { waitBye: true }],
      {
        from: '0612345678',
        timeoutMs: 120_000,
      },
    );
    const offer = page.locator('.offer');
    await offer.waitFor({ timeout: 20_000 });
    await expect.poll(() => offer.textContent()).toContain('Marie Dupont');
    expect(await offer.textContent()).toContain('Premium');
    expect(await offer.textContent()).toContain('Support technique');

    const answeredAt = Date.now();
    await offer.getByRole('button', { name: 'Répondre' }).click();
    await page.getByText('En communication').waitFor({ timeout: 10_000 });
    // Audio from the caller reaches the page (WebRTC's own statistics, shown in the call panel).
    await waitFor('audio received in the browser', async () => (await packetsIn(page)) > 100, 15_000);
    expect(await page.locator('.call-panel').textContent()).toContain('Marie Dupont');

    // On hold: the caller hears music, the panel says so; resumed.
    await page.getByRole('button', { name: 'Mettre en attente' }).click();
    await page.getByText('En attente (musique pour le client)').waitFor({ timeout: 5000 });
    await page.getByRole('button', { name: 'Reprendre' }).click();
    await page.getByText('En attente (musique pour le client)').waitFor({ state: 'detached', timeout: 5000 });
    // Keypad digits reach the caller (RFC 4733 through Asterisk).
    await page.getByText('Clavier').click();
    await page.locator('.keys').getByRole('button', { name: '5', exact: true }).click();
    await page.locator('.keys').getByRole('button', { name: '#', exact: true }).click();
    await page.waitForTimeout(600); // each tone lasts 120 ms, 70 ms apart

    // Blind transfer to Hector, free again.
    await t.relais.routing.setPresence('hector', 'available');
    await page.getByLabel('Transférer à').selectOption('agent:hector');
    const transferredAt = Date.now();
    await page.getByRole('button', { name: 'Transfert direct' }).click();
    await page.locator('.call-panel').waitFor({ state: 'detached', timeout: 10_000 });
    await page.locator('.wrapup').waitFor({ timeout: 5000 });

    expectCompleted(await c.done);
    // The browser's fake microphone reached the caller: RTP after the answer, before the transfer.
    const fromGary = c.capture
      .packets()
      .filter((p) => p.dstPort === c.mediaPort && p.time * 1000 > answeredAt + 500 && p.time * 1000 < transferredAt);
    expect(fromGary.length).toBeGreaterThan(100);
    expect(c.capture.dtmfTo(c.mediaPort)).toBe('5#');
    // Hector's phone rang and the caller heard him.
    expect(invitesTo(hector)).toBe(1);
    expect(heardPrompt(c.capture.audioTo(c.mediaPort), speechWav()).heard).toBe(true);

    const [marie] = await (
      await fetch(`${base()}/api/customers?q=0612345678`, { headers: { authorization: `Bearer ${API_TOKEN}` } })
    ).json();
    await waitFor('the call on the timeline, ended with Hector', async () => {
      const { entries } = await (
        await fetch(`${base()}/api/customers/${marie.id}/timeline`, { headers: { authorization: `Bearer ${API_TOKEN}` } })
      ).json();
      return entries.some((e: { agent: string; outcome: string }) => e.agent === 'hector' && e.outcome === 'answered');
    });
    await expectNothingLeft(t);
  });
});

describe('a call passed on after talking to the colleague first (attended transfer)', { timeout: 120_000 }, () => {
  it('the caller holds with music while agent and colleague talk; passed on, caller and colleague talk, the agent is free, the timeline shows the colleague', async () => {
    const { page, hector } = await garyAndHectorAtWork();
    const { c, answeredAt } = await marieAnsweredInTheBrowser(page, hector);
    const panel = page.locator('.call-panel');

    const consultAt = await consultHector(page);
    await panel.getByText('En consultation avec Hector Harfang — le client patiente').waitFor({ timeout: 5000 });
    const complete = panel.getByRole('button', { name: 'Passer l’appel' });
    await waitFor('Hector answered, as the panel shows', () => complete.isEnabled(), 15_000);
    const consultedAt = Date.now();
    const talkFrom = await pageAudio(page);
    await page.waitForTimeout(3500); // Gary and Hector talk
    const talkTo = await pageAudio(page);

    const completeAt = Date.now();
    await complete.click();
    await panel.waitFor({ state: 'detached', timeout: 10_000 });
    const handedOverAt = Date.now();
    await page.locator('.wrapup').waitFor({ timeout: 5000 });
    const [call, ...others] = await apiAs(t, 'hector').mine();
    expect(others).toEqual([]);
    expect(call).toMatchObject({ agent: 'hector', state: 'talking' });
    await page.waitForTimeout(4000); // Marie and Hector talk
    expectDone(await apiAs(t, 'hector').hangup(call!.id));
    expectCompleted(await c.done);

    const heard = (port: number, from: number, to: number) => heardBetween(c.capture, port, from, to);
    expectSpeech(heard(c.mediaPort, answeredAt + 1000, consultAt), 'Marie, talking with Gary', voice.wav);
    const held = heard(c.mediaPort, consultedAt + 500, consultedAt + 3500);
    expectHoldMusic(held, 'Marie, while Gary consults Hector');
    expect(speechShare(held, voice.wav), 'Gary heard by Marie during the consultation').toBe(0);
    expect(invitesTo(hector)).toBe(1);
    expectSpeech(heard(hector.mediaPort, consultedAt + 500, consultedAt + 3500), 'Hector, consulted by Gary', voice.wav);
    expect(levelHeard(talkFrom, talkTo), 'what Gary heard of Hector (dBFS)').toBeGreaterThan(-40);
    expectSpeech(heard(c.mediaPort, handedOverAt + 500, handedOverAt + 3500), 'Marie, with Hector');
    expectSpeech(heard(hector.mediaPort, handedOverAt + 500, handedOverAt + 3500), 'Hector, with Marie');

    const hectorRang = hector.received('INVITE')[0]!.at;
    const hectorAnswered = hector.received('ACK')[0]!.at;
    const marieSwitched = sourceChangeAt(c, completeAt);
    console.info(
      `attended transfer in the console: click → Hector's INVITE ${hectorRang - consultAt} ms, his answer → panel says so ${consultedAt - hectorAnswered} ms; ` +
        `"Passer l’appel" → panel gone ${handedOverAt - completeAt} ms, → Marie's audio switches from the hold music to Hector ${marieSwitched === null ? 'never' : `${marieSwitched - completeAt} ms`}`,
    );

    // Gary looks Marie up: the call is on her timeline, answered, with Hector.
    await waitFor('the call ended on the timeline', async () => {
      const { entries } = await (
        await fetch(`${base()}/api/customers/${encodeURIComponent(c.customerId)}/timeline`, {
          headers: { authorization: `Bearer ${API_TOKEN}` },
        })
      ).json();
      return entries.some((e: { id: string; endedAt: string | null }) => e.id === call!.id && e.endedAt);
    });
    await page.getByLabel('Rechercher un client (nom, e-mail, téléphone)').fill('0612345678');
    await page.getByLabel('Rechercher un client (nom, e-mail, téléphone)').press('Enter');
    await page
      .locator('.customer-search')
      .getByRole('button', { name: /Marie Dupont/ })
      .click();
    const latest = page.locator('.timeline .entry-interaction').first();
    await latest.waitFor({ timeout: 5000 });
    expect(await latest.textContent()).toMatch(/Appel entrant · Support technique · Hector Harfang · répondu/);
    await expectNothingLeft(t);
  });

  it('cancelled, the agent is back with the caller; muted before, the caller heard nothing of the agent until unmuted', async () => {
    const { page, hector } = await garyAndHectorAtWork();
    const { c, answeredAt } = await marieAnsweredInTheBrowser(page, hector);
    const panel = page.locator('.call-panel');

    const mutedAt = Date.now();
    await panel.getByRole('button', { name: 'Couper le micro' }).click();
    await panel.getByRole('button', { name: 'Réactiver le micro', pressed: true }).waitFor({ timeout: 2000 });
    await page.waitForTimeout(3000); // Marie talks to a muted Gary
    const unmutedAt = Date.now();
    await panel.getByRole('button', { name: 'Réactiver le micro' }).click();
    await panel.getByRole('button', { name: 'Couper le micro', pressed: false }).waitFor({ timeout: 2000 });
    await page.waitForTimeout(3000); // Gary talks again

    const consultAt = await consultHector(page);
    const cancel = panel.getByRole('button', { name: 'Revenir au client' });
    await waitFor('Hector answered, as the panel shows', () => panel.getByRole('button', { name: 'Passer l’appel' }).isEnabled(), 15_000);
    const consultedAt = Date.now();
    const talkFrom = await pageAudio(page);
    await page.waitForTimeout(3500); // Gary and Hector talk
    const talkTo = await pageAudio(page);
    await cancel.click();
    await panel.getByText('En consultation avec').waitFor({ state: 'detached', timeout: 5000 });
    const backAt = Date.now();
    await panel.getByRole('button', { name: 'Mettre en attente' }).waitFor({ timeout: 2000 });
    await waitFor("Hector's phone hung up", () => hector.messages().some((m) => m.startsWith('<BYE')), 5000);
    expect(await t.relais.routing.agent('hector')).toMatchObject({ presence: 'available', active: { call: 0 } });
    const backFrom = await pageAudio(page);
    await page.waitForTimeout(3500); // Gary and Marie talk again
    const backTo = await pageAudio(page);
    await panel.getByRole('button', { name: 'Raccrocher' }).click();
    await panel.waitFor({ state: 'detached', timeout: 10_000 });
    expectCompleted(await c.done);

    const heard = (port: number, from: number, to: number) => heardBetween(c.capture, port, from, to);
    expectSpeech(heard(c.mediaPort, answeredAt + 1000, mutedAt), 'Marie, before Gary muted', voice.wav);
    expectSilence(heard(c.mediaPort, mutedAt + 300, unmutedAt), 'Marie, Gary muted');
    expectSpeech(heard(c.mediaPort, unmutedAt + 500, consultAt), 'Marie, Gary unmuted', voice.wav);
    expectHoldMusic(heard(c.mediaPort, consultedAt + 500, consultedAt + 3500), 'Marie, while Gary consults Hector');
    expectSpeech(heard(hector.mediaPort, consultedAt + 500, consultedAt + 3500), 'Hector, consulted by Gary', voice.wav);
    expect(levelHeard(talkFrom, talkTo), 'what Gary heard of Hector (dBFS)').toBeGreaterThan(-40);
    expectSpeech(heard(c.mediaPort, backAt + 500, backAt + 3500), 'Marie, Gary back', voice.wav);
    expect(levelHeard(backFrom, backTo), 'what Gary heard of Marie, back with her (dBFS)').toBeGreaterThan(-40);
    await expectNothingLeft(t);
  });
});

/** Gary at his console, available; Hector's desk phone registered (it answers and talks), Hector paused so the call rings Gary. */
async function garyAndHectorAtWork(): Promise<{ page: Page; hector: SippPhone }> {
  const page = await consoleOf(browser, t, 'gary');
  await page.getByLabel('Présence').selectOption('available');
  await waitFor('gary available', async () => (await t.relais.routing.agent('gary')).presence === 'available');
  const hector = await staffPhone(t, 'hector', 500, talkUntilBye());
  await t.relais.routing.setPresence('hector', 'paused', 'dossier');
  return { page, hector };
}

/**
 * Marie Dupont calls the technical support and keeps talking; Gary answers in the browser and
 * they talk a moment. What Hector's phone receives is captured with the call.
 */
async function marieAnsweredInTheBrowser(
  page: Page,
  hector: SippPhone,
): Promise<{ c: Caller & { customerId: string }; answeredAt: number }> {
  const c = await caller(t, [{ pause: promptMs(t, 'greeting') + 800 }, { dtmf: '3' }, { play: speechLoopPcap(12) }, { waitBye: true }], {
    from: '0612345678',
    timeoutMs: 120_000,
    alsoCapture: [hector.mediaPort],
  });
  const offer = page.locator('.offer');
  await offer.waitFor({ timeout: 20_000 });
  await expect.poll(() => offer.textContent()).toContain('Marie Dupont');
  const answeredAt = Date.now();
  await offer.getByRole('button', { name: 'Répondre' }).click();
  await page.getByText('En communication').waitFor({ timeout: 10_000 });
  await waitFor('audio received in the browser', async () => (await packetsIn(page)) > 100, 15_000);
  await page.waitForTimeout(1500); // Gary and Marie talk
  const [marie] = await (await fetch(`${base()}/api/customers?q=0612345678`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).json();
  return { c: { ...c, customerId: marie.id }, answeredAt };
}

/** Hector is free again; Gary picks him in the transfer form and asks to talk to him first. Returns when. */
async function consultHector(page: Page): Promise<number> {
  await t.relais.routing.setPresence('hector', 'available');
  await page.getByLabel('Transférer à').selectOption('agent:hector');
  const at = Date.now();
  await page.getByRole('button', { name: 'Parler d’abord au collègue' }).click();
  return at;
}

/** When the caller's audio first came from another source (RTP SSRC) than just before `fromMs`; null if it never did. */
function sourceChangeAt(c: Caller, fromMs: number): number | null {
  const toCaller = c.capture.packets().filter((p) => p.dstPort === c.mediaPort);
  const before = toCaller.filter((p) => p.time * 1000 < fromMs).at(-1);
  const changed = toCaller.find((p) => p.time * 1000 >= fromMs && p.ssrc !== before?.ssrc);
  return changed ? Math.round(changed.time * 1000) : null;
}

/** Audio packets the page's phone received, as its call panel shows them. */
async function packetsIn(page: Page): Promise<number> {
  const text = await page
    .locator('.audio-stats')
    .textContent({ timeout: 500 })
    .catch(() => '');
  return Number(/Audio reçu : (\d+)/.exec(text ?? '')?.[1] ?? 0);
}
