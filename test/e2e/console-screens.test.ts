/**
 * The console's main screens at 1280×720 in Chromium, with something on them (a chat in
 * progress, a queue, a week of history): the layout holds — nothing wider than the window, the
 * top bar on one line, the workspace's three columns side by side without overlapping, no text
 * spilling out of its box. Screenshots go to $RELAIS_SCREENSHOTS when set (the README's pictures:
 * `RELAIS_SCREENSHOTS=docs/screenshots npx vitest run test/e2e/console-screens.test.ts`).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { closeChatClients, visitor } from '../support/chat.ts';
import { waitFor } from '../support/calls.ts';
import { consoleOf, MEDIA_FLAGS } from '../support/console.ts';
import { startTestRelais, type TestRelais } from '../support/relais.ts';

let t: TestRelais;
let browser: Browser;
let page: Page;
const shots = process.env.RELAIS_SCREENSHOTS;

beforeAll(async () => {
  t = await startTestRelais();
  await seedHistory(t.config.postgres.url);
  browser = await launchChromium(MEDIA_FLAGS);
  page = await consoleOf(browser, t, 'gary');
  await page.getByLabel('Présence').selectOption('available');
  await t.relais.routing.setPresence('hector', 'paused', 'Déjeuner');
  // A visitor asks the technical support a question; Gary takes it.
  await waitFor('gary ready for chats', async () => Boolean((await t.relais.routing.agent('gary')).chatReady));
  const v = await visitor(t);
  expect((await v.ask('start', { topic: 'technical', name: 'Lucie Martin', email: 'lucie@example.org', page: '/offres/seedbox' })).ok).toBe(
    true,
  );
  await v.ask('send', {
    id: crypto.randomUUID(),
    text: 'Bonjour, ma seedbox ne répond plus depuis ce matin : https://iseedor.example/statut',
  });
  await page.locator('.offer-chat').getByRole('button', { name: 'Répondre' }).click();
  await page.locator('.chat-panel').waitFor();
  await page.getByLabel('Votre réponse…').fill('Bonjour Lucie, je regarde cela tout de suite.');
  await page.getByRole('button', { name: 'Envoyer' }).click();
  await page.locator('.m-agent').waitFor();
});
afterAll(async () => {
  closeChatClients();
  await browser?.close();
  await t?.stop();
});

/** A week of calls and chats in the routing journal, as the statistics read it. */
async function seedHistory(url: string): Promise<void> {
  const db = new pg.Pool({ connectionString: url, max: 1 });
  const rows: unknown[][] = [];
  let n = 0;
  for (let day = 17; day <= 23; day++) {
    for (let hour = 9; hour < 19; hour++) {
      const calls = 2 + ((day * 7 + hour * 3) % 5);
      for (let i = 0; i < calls; i++) {
        const team = ['sales', 'after-sales', 'technical'][(i + hour) % 3]!;
        const at = new Date(Date.UTC(2026, 10, day, hour - 1, i * 5));
        const id = `seed-${++n}`;
        const wait = 10 + ((i * 37 + hour) % 90);
        const abandoned = (i + day + hour) % 9 === 0;
        const add = (step: string, s: number, agent: string | null) =>
          rows.push([`${id}-${step}`, new Date(at.getTime() + s * 1000), step, id, team, 'call', 'normal', agent]);
        add('queued', 0, null);
        if (abandoned) add('abandoned', wait, null);
        else {
          const agent = { sales: 'denis', 'after-sales': 'eleonore', technical: ['gary', 'hector', 'illiana'][i % 3]! }[team]!;
          add('offered', wait - 4, agent);
          add('accepted', wait, agent);
          add('ended', wait + 120 + ((i * 53) % 400), agent);
        }
      }
    }
  }
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    await db.query(
      `insert into routing_events (stream_id, at, step, interaction_id, team, channel, priority, agent)
       select * from unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])`,
      [0, 1, 2, 3, 4, 5, 6, 7].map((k) => chunk.map((r) => r[k])),
    );
  }
  await db.end();
}

/** What breaks a layout at this size, measured in the page. */
async function layoutProblems(p: Page): Promise<string[]> {
  return p.evaluate(() => {
    const problems: string[] = [];
    const width = window.innerWidth;
    if (document.documentElement.scrollWidth > width)
      problems.push(`page ${document.documentElement.scrollWidth}px wide in a ${width}px window`);
    const bar = document.querySelector('.top-bar')?.getBoundingClientRect();
    if (bar && bar.height > 56) problems.push(`top bar on several lines (${Math.round(bar.height)}px high)`);
    const columns = [...document.querySelectorAll('.workspace > *')].map((e) => e.getBoundingClientRect());
    columns.forEach((a, i) =>
      columns.slice(i + 1).forEach((b) => {
        if (a.right > b.left + 1 && b.right > a.left + 1 && a.bottom > b.top + 1 && b.bottom > a.top + 1)
          problems.push(`workspace columns ${i} and ${i + 1} overlap`);
      }),
    );
    for (const el of document.querySelectorAll('button, .tier, .figures dd, h1, h2, th')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && (r.right > width + 1 || el.scrollWidth > el.clientWidth + 2))
        problems.push(`"${(el.textContent ?? '').trim().slice(0, 40)}" spills out of its box`);
    }
    return problems;
  });
}

async function check(name: string): Promise<void> {
  await page.waitForTimeout(300);
  if (shots) {
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, `console-${name}.png`) });
  }
  expect(await layoutProblems(page), name).toEqual([]);
}

describe('the console at 1280×720', () => {
  it('workspace: a chat in progress, the customer beside', async () => {
    await page.goto(`http://127.0.0.1:${t.config.server.port}/console/#/work`);
    await page.locator('.chat-panel .m-agent').waitFor();
    await check('workspace');
  });

  it('live wall', async () => {
    await page.goto(`http://127.0.0.1:${t.config.server.port}/console/#/wall`);
    await page.locator('[data-team="technical"]').waitFor();
    await check('wall');
  });

  it('history, with charts', async () => {
    await page.goto(`http://127.0.0.1:${t.config.server.port}/console/#/history`);
    await page.getByLabel('Du', { exact: true }).fill('2026-11-17');
    await page.getByLabel('Au', { exact: true }).fill('2026-11-23');
    await page.locator('.chart canvas').first().waitFor();
    await expect.poll(() => page.locator('.per-agent tbody tr').count()).toBe(5);
    await check('history');
  });

  it('callbacks and configuration', async () => {
    await page.goto(`http://127.0.0.1:${t.config.server.port}/console/#/callbacks`);
    await page.locator('.callbacks table').waitFor();
    await check('callbacks');
    await page.goto(`http://127.0.0.1:${t.config.server.port}/console/#/settings`);
    await page.locator('.settings table').first().waitFor();
    await check('settings');
  });

  it('login', async () => {
    const fresh = await (await browser.newContext({ viewport: { width: 1280, height: 720 }, locale: 'fr-FR' })).newPage();
    await fresh.goto(`http://127.0.0.1:${t.config.server.port}/console/`);
    await fresh.getByLabel('Identifiant').waitFor();
    expect(await layoutProblems(fresh)).toEqual([]);
    if (shots) await fresh.screenshot({ path: join(shots, 'console-login.png') });
  });
});
