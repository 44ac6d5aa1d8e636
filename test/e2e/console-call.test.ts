/**
 * The agent console in a real browser (Debian's Chromium, fake microphone), on a real Asterisk
 * with sipp callers: an agent logs in, goes available, a known customer calls and presses 3, the
 * console rings with their name and tier, the agent answers in the page, audio flows both ways,
 * the call ends and lands on the customer's timeline.
 */
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakePrestashop, type FakePrestashop } from '../../demo/fake-prestashop.ts';
import { consoleOf, launchChromium, MEDIA_FLAGS } from '../support/browser.ts';
import { caller, expectCompleted, expectNothingLeft, promptMs, releasePeers, waitFor } from '../support/calls.ts';
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
  it('rings with the customer and tier, is answered in the browser, audio flows both ways, and lands on the timeline', async () => {
    const page = await consoleOf(browser, t, 'gary');
    await page.getByLabel('Présence').selectOption('available');
    await waitFor('gary available', async () => (await t.relais.routing.agent('gary')).presence === 'available');

    // Marie Dupont (premium at the shop) calls and chooses the technical support.
    const c = await caller(t, [{ pause: promptMs(t, 'greeting') + 800 }, { dtmf: '3' }, { pause: 6000 }, { speak: true }, { pause: 4000 }, { hangup: true }], {
      from: '0612345678',
      timeoutMs: 90_000,
    });
    const offer = page.locator('.offer');
    await offer.waitFor({ timeout: 20_000 });
    await expect.poll(() => offer.textContent()).toContain('Marie Dupont');
    expect(await offer.textContent()).toContain('Premium');
    expect(await offer.textContent()).toContain('Support technique');

    const answeredAt = Date.now();
    await offer.getByRole('button', { name: 'Répondre' }).click();
    await page.getByText('En communication').waitFor({ timeout: 10_000 });
    await page.setViewportSize({ width: 1280, height: 720 }); await page.screenshot({ path: '/tmp/console-call.png' });
    // Audio from the caller reaches the page (WebRTC's own statistics, shown in the call panel).
    await waitFor(
      'audio received in the browser',
      async () => Number(/Audio reçu : (\d+)/.exec((await page.locator('.audio-stats').textContent().catch(() => '')) ?? '')?.[1] ?? 0) > 100,
      15_000,
    );
    const panel = await page.locator('.call-panel').textContent();
    expect(panel).toContain('Marie Dupont');

    expectCompleted(await c.done);
    // The browser's fake microphone reached the caller: RTP to the caller after the answer, steadily.
    const fromAgent = c.capture.packets().filter((p) => p.dstPort === c.mediaPort && p.time * 1000 > answeredAt + 500);
    expect(fromAgent.length).toBeGreaterThan(200);
    await page.getByText('En communication').waitFor({ state: 'detached', timeout: 10_000 });

    const [marie] = await (await fetch(`${base()}/api/customers?q=0612345678`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).json();
    await waitFor('the call on the timeline', async () => {
      const { entries } = await (await fetch(`${base()}/api/customers/${marie.id}/timeline`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).json();
      return entries.some((e: { agent: string; outcome: string }) => e.agent === 'gary' && e.outcome === 'answered');
    });
    await expectNothingLeft(t);
  });
});
