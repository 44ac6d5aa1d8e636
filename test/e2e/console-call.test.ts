/**
 * The agent console in a real browser (Debian's Chromium, fake microphone), on a real Asterisk
 * with sipp callers: an agent logs in, goes available, a known customer calls and presses 3, the
 * console rings with their name and tier, the agent answers in the page, audio flows both ways,
 * the call ends and lands on the customer's timeline.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakePrestashop, type FakePrestashop } from '../../demo/fake-prestashop.ts';
import { launchChromium } from '../support/browser.ts';
import { consoleOf, MEDIA_FLAGS } from '../support/console.ts';
import { caller, expectCompleted, expectNothingLeft, invitesTo, promptMs, releasePeers, staffPhone, waitFor } from '../support/calls.ts';
import { heardPrompt } from '../support/audio.ts';
import { speechWav } from '../support/rtp-capture.ts';
import { API_TOKEN, startTestRelais, type TestRelais } from '../support/relais.ts';

let t: TestRelais;
let shop: FakePrestashop;
let browser: Browser;

beforeAll(async () => {
  shop = await startFakePrestashop();
  t = await startTestRelais({
    patch: (c) => {
      c.customers = { ...c.customers, premiumShopGroups: [4], prestashop: { url: shop.url, key: { env: 'RELAIS_PRESTASHOP_KEY' } } };
      delete c.callbacks;
    },
    env: { RELAIS_PRESTASHOP_KEY: shop.key },
  });
  browser = await launchChromium(MEDIA_FLAGS);
});
afterEach(releasePeers);
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

/** Audio packets the page's phone received, as its call panel shows them. */
async function packetsIn(page: Page): Promise<number> {
  const text = await page
    .locator('.audio-stats')
    .textContent({ timeout: 500 })
    .catch(() => '');
  return Number(/Audio reçu : (\d+)/.exec(text ?? '')?.[1] ?? 0);
}
