/**
 * The console's live parts in Chromium: the supervisors' wall follows a queue of callers within a
 * second of each change; a chat and a callback reach the same agent within their capacity, and a
 * declined offer goes to the next agent.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { subscribeRouting } from '../../routing/events.ts';
import { launchChromium } from '../support/browser.ts';
import { caller, invitesTo, promptMs, releasePeers, staffPhone, waitFor, type Caller } from '../support/calls.ts';
import { closeChatClients, visitor } from '../support/chat.ts';
import { startTestRelais, type TestRelais } from '../support/relais.ts';
import { consoleOf, MEDIA_FLAGS } from '../support/console.ts';
import { Redis } from 'ioredis';
import pino from 'pino';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let t: TestRelais;
let browser: Browser;

beforeAll(async () => {
  t = await startTestRelais({
    patch: (c) => {
      c.teams.technical = { ...c.teams.technical!, ringSeconds: 5, wrapUpSeconds: 0, maxWaitSeconds: 600 };
      c.teams.sales = { ...c.teams.sales!, members: ['denis', 'hector'], strategy: 'longestidle', ringSeconds: 8, wrapUpSeconds: 0 };
    },
  });
  browser = await launchChromium(MEDIA_FLAGS);
});
afterEach(async () => {
  await releasePeers();
  closeChatClients();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

/** Records, in the page, when the text of the element matching `selector` changes, and to what. */
async function watchText(page: Page, selector: string): Promise<() => Promise<{ at: number; text: string }[]>> {
  await page.locator(selector).waitFor();
  await page.evaluate((sel) => {
    const el = document.querySelector(sel)!;
    const seen: { at: number; text: string }[] = [{ at: Date.now(), text: el.textContent ?? '' }];
    (window as unknown as { __changes: typeof seen }).__changes = seen;
    new MutationObserver(() => {
      const text = el.textContent ?? '';
      if (seen.at(-1)!.text !== text) seen.push({ at: Date.now(), text });
    }).observe(el, { subtree: true, characterData: true, childList: true });
  }, selector);
  return () => page.evaluate(() => (window as unknown as { __changes: { at: number; text: string }[] }).__changes);
}

describe("the supervisors' wall", () => {
  it('shows each caller joining and leaving the technical queue within a second', { timeout: 180_000 }, async () => {
    // Someone is logged in but paused: callers wait in the queue (nobody logged in would offer callbacks).
    await t.relais.routing.setPresence('hector', 'paused', 'réunion');
    const page = await consoleOf(browser, t, 'gary');
    await page.goto(`http://127.0.0.1:${t.config.server.port}/console/#/wall`);
    const changes = await watchText(page, '[data-team="technical"] [data-figure="waiting"]');

    // When the routing core says the queue length changed, from its own events.
    const queueChanges: { at: number; waiting: number }[] = [];
    const redis = new Redis(t.config.redis.url);
    const unsubscribe = await subscribeRouting(redis, `${t.config.redis.prefix}:routing:events`, pino({ level: 'silent' }), (e) => {
      if (e.type !== 'queue' || e.team !== 'technical') return;
      const at = Date.now();
      void t.relais.routing.teamSnapshot('technical').then((s) => queueChanges.push({ at, waiting: s.waiting }));
    });
    try {
      const callers: Caller[] = [];
      for (let i = 0; i < 3; i++) {
        callers.push(
          await caller(t, [{ pause: promptMs(t, 'greeting') + 800 }, { dtmf: '3' }, { waitBye: true }], {
            from: `061111111${i}`,
            timeoutMs: 120_000,
          }),
        );
        await waitFor(`caller ${i + 1} waiting`, async () => (await t.relais.routing.teamSnapshot('technical')).waiting === i + 1, 20_000);
      }
      // Changes a supervisor could tell apart: each one stays a moment.
      await sleep(1500);
      for (const [i, from] of ['0611111110', '0611111111', '0611111112'].entries()) {
        // The caller leaves (hung up by Asterisk: a killed sipp would send no BYE).
        const channel = (await t.ari.listChannels()).find((ch) => ch.caller?.number === from);
        await t.ari.hangup(channel!.id);
        await waitFor('a caller gone', async () => (await t.relais.routing.teamSnapshot('technical')).waiting === 2 - i, 20_000);
        await sleep(1500);
      }
      await waitFor('the wall at 0', async () => (await changes()).at(-1)?.text === '0', 5000);
      const shown = await changes();
      // Every length the queue went through, in order, and the wall showing it within a second.
      let from = 0;
      for (const waiting of [1, 2, 3, 2, 1, 0]) {
        const at = queueChanges.findIndex((q, i) => i >= from && q.waiting === waiting);
        expect(at, `the queue at ${waiting}`).toBeGreaterThanOrEqual(0);
        from = at + 1;
        const change = queueChanges[at]!;
        const onWall = shown.find((s) => s.text === String(waiting) && s.at >= change.at - 50);
        expect(onWall, `the wall showing ${waiting}`).toBeDefined();
        expect(onWall!.at - change.at, `ms from the queue at ${waiting} to the wall showing it`).toBeLessThan(1000);
      }
    } finally {
      await unsubscribe();
      redis.disconnect();
    }
  });
});

describe('offers on several channels', () => {
  it(
    'a chat and a callback reach the same agent within capacity; a declined one goes to the next agent',
    { timeout: 120_000 },
    async () => {
      const page = await consoleOf(browser, t, 'denis');
      await page.getByLabel('Présence').selectOption('available');
      // Hector answers sales calls from his desk phone, never picks up here; he has no chat page.
      const hectorPhone = await staffPhone(t, 'hector', null);
      // Denis has been free the longest: he is offered first.
      await t.relais.routing.setPresence('denis', 'paused', 'x');
      await t.relais.routing.setPresence('denis', 'available');
      await t.relais.routing.setPresence('hector', 'paused', 'x');
      await t.relais.routing.setPresence('hector', 'available');
      await waitFor('denis ready for chats', async () => Boolean((await t.relais.routing.agent('denis')).chatReady));

      const v = await visitor(t);
      const started = await v.ask('start', { topic: 'sales', name: 'Paul Visiteur', email: 'paul@example.org' });
      expect(started.ok).toBe(true);
      const chatOffer = page.locator('.offer-chat');
      await chatOffer.waitFor({ timeout: 10_000 });
      expect(await chatOffer.textContent()).toContain('Paul Visiteur');
      await chatOffer.getByRole('button', { name: 'Répondre' }).click();
      await page.locator('.chat-panel').waitFor();

      // A callback requested on the website, due now, while Denis chats: his voice slot is free.
      const res = await fetch(`http://127.0.0.1:${t.config.server.port}/api/callbacks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ number: '0655555555', team: 'sales', name: 'Chloé Rappel' }),
      });
      expect(res.status).toBe(201);
      const callbackOffer = page.locator('.offer-callback');
      await callbackOffer.waitFor({ timeout: 15_000 });
      expect(await callbackOffer.textContent()).toContain('+33655555555');
      expect((await t.relais.routing.agent('denis')).active.chat).toBe(1);

      await callbackOffer.getByRole('button', { name: 'Refuser' }).click();
      await callbackOffer.waitFor({ state: 'detached', timeout: 5000 });
      // The next agent's phone rings for it.
      await waitFor("hector's phone rings for the callback", () => invitesTo(hectorPhone) > 0, 15_000);
      // Denis still has his chat; a note he writes there goes on Paul's record, never to Paul.
      expect(await page.locator('.chat-panel').isVisible()).toBe(true);
      await page.getByLabel('Note interne', { exact: true }).check();
      await page.locator('.composer textarea').fill('Client hésitant entre deux offres');
      await page.locator('.composer').getByRole('button', { name: 'Ajouter une note' }).click();
      await page.locator('.timeline').getByText('Client hésitant entre deux offres').waitFor({ timeout: 5000 });
      expect(v.received('message').map((m: { text: string }) => m.text)).not.toContain('Client hésitant entre deux offres');
    },
  );
});
