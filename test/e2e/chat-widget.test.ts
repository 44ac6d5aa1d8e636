/**
 * The chat widget in a real browser (Debian's Chromium) on the demo shop page, against a real
 * Relais: a visitor fills the pre-chat form and talks with an agent (both directions, typing, read
 * state), reloads and finds the whole conversation, keeps typing through a Relais restart without
 * losing or doubling anything; out of hours the offline form becomes a helpdesk ticket.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOsticket, type FakeOsticket } from '../../demo/fake-osticket.ts';
import { launchChromium } from '../support/browser.ts';
import { waitFor } from '../support/calls.ts';
import { agent, closeChatClients, type ChatClient } from '../support/chat.ts';
import { freshMariaDb, type FreshMariaDb } from '../support/mariadb.ts';
import { startTestRelais, type TestRelais } from '../support/relais.ts';

let t: TestRelais;
let browser: Browser;
let helpdeskDb: FreshMariaDb;
let helpdesk: FakeOsticket;

beforeAll(async () => {
  helpdeskDb = await freshMariaDb();
  helpdesk = await startFakeOsticket({ database: { url: helpdeskDb.url } });
  t = await startTestRelais({
    patch: (c) => {
      c.customers = {
        ...c.customers,
        osticket: {
          url: helpdesk.url,
          apiKey: { env: 'RELAIS_OSTICKET_API_KEY' },
          database: { url: { env: 'RELAIS_OSTICKET_DATABASE_URL' } },
        },
      };
    },
    env: { RELAIS_OSTICKET_API_KEY: helpdesk.apiKey, RELAIS_OSTICKET_DATABASE_URL: helpdeskDb.url },
  });
  browser = await launchChromium();
});
afterEach(async () => {
  closeChatClients();
  for (const id of Object.keys(t.config.staff)) await t.relais.routing.setPresence(id, 'offline');
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
  await helpdesk?.close();
  await helpdeskDb?.drop();
});

const shop = () => `http://127.0.0.1:${t.config.server.port}/demo/shop`;

async function openChat(page: Page): Promise<void> {
  await page.goto(shop());
  await page.getByRole('button', { name: 'Ouvrir le chat' }).click();
}

/** The agent takes the next offer and returns the conversation id. */
async function take(a: ChatClient): Promise<string> {
  const offer = await a.next('offer', () => true, 15_000);
  const accepted = await a.ask('accept', { conversationId: offer.conversation.id, offerId: offer.offerId });
  expect(accepted.ok).toBe(true);
  return offer.conversation.id;
}

/** A visitor who filled the pre-chat form for sales, and Denis who took the chat. */
async function chatWithDenis(name: string, email: string): Promise<{ a: ChatClient; page: Page; id: string }> {
  await t.relais.routing.setPresence('denis', 'available');
  const a = await agent(t, 'denis');
  const page = await browser.newPage();
  await openChat(page);
  await page.getByLabel('Votre nom').fill(name);
  await page.getByLabel('Votre e-mail').fill(email);
  await page.getByLabel('Sujet').selectOption('sales');
  await page.getByRole('button', { name: 'Démarrer la conversation' }).click();
  return { a, page, id: await take(a) };
}

describe('a visitor on the demo shop page', { timeout: 120_000 }, () => {
  it('chats with an agent, reloads and keeps the conversation, and loses nothing through a Relais restart', async () => {
    const { a, page, id } = await chatWithDenis('Julien Martin', 'julien.martin@example.fr');
    const log = page.getByRole('log');
    await expect.poll(() => log.textContent(), { timeout: 10_000 }).toContain('Denis Douc a rejoint la conversation');

    // Visitor → agent.
    const input = page.getByLabel('Votre message');
    await input.fill('Bonjour, je voudrais une seedbox plus grande.');
    await input.press('Enter');
    expect((await a.next('message', (m) => m.from === 'visitor')).text).toBe('Bonjour, je voudrais une seedbox plus grande.');

    // Agent typing, then agent → visitor; and the visitor sees their message read.
    await a.ask('typing', { conversationId: id, typing: true });
    await expect.poll(() => page.getByText('Denis Douc écrit…').isVisible(), { timeout: 5000 }).toBe(true);
    await a.ask('send', { conversationId: id, id: crypto.randomUUID(), text: 'Bien sûr ! <b>Premium</b> 2 To ?' });
    await expect.poll(() => log.textContent(), { timeout: 5000 }).toContain('Bien sûr ! <b>Premium</b> 2 To ?');
    expect(await log.locator('b').count()).toBe(0); // text, never HTML
    const seq = (await a.received('message')).at(-1).seq;
    await a.ask('read', { conversationId: id, seq });
    await expect.poll(() => page.getByText('Lu', { exact: true }).count(), { timeout: 5000 }).toBeGreaterThan(0);
    // The visitor typing reaches the agent.
    await input.pressSequentially('Oui');
    expect(await a.next('typing', (x) => x.typing === true)).toMatchObject({ conversationId: id });
    await input.fill('');

    // Reload: the whole conversation is back.
    await page.reload();
    await page
      .getByRole('button', { name: /Ouvrir le chat|Fermer le chat/ })
      .first()
      .waitFor();
    if (await page.getByRole('button', { name: 'Ouvrir le chat' }).isVisible())
      await page.getByRole('button', { name: 'Ouvrir le chat' }).click();
    await expect.poll(() => page.getByRole('log').textContent(), { timeout: 10_000 }).toContain('je voudrais une seedbox plus grande');
    expect(await page.getByRole('log').textContent()).toContain('Bien sûr ! <b>Premium</b> 2 To ?');

    // Relais restarts while the visitor writes: the message leaves once Relais is back, once.
    await t.restart(async () => {
      await page.getByLabel('Votre message').fill('Envoyé pendant le redémarrage');
      await page.getByLabel('Votre message').press('Enter');
    });
    const a2 = await agent(t, 'denis');
    await waitFor(
      'the message sent during the restart arrived',
      async () => {
        const h = await a2.ask('mine', {});
        return h.ok && h.conversations[0]?.messages.some((m: { text: string }) => m.text === 'Envoyé pendant le redémarrage');
      },
      30_000,
    );
    const mine = await a2.ask('mine', {});
    const texts = mine.ok ? mine.conversations[0].messages.map((m: { text: string }) => m.text) : [];
    expect(texts.filter((x: string) => x === 'Envoyé pendant le redémarrage')).toHaveLength(1);
    expect(texts.filter((x: string) => x === 'Bonjour, je voudrais une seedbox plus grande.')).toHaveLength(1);
    await a2.ask('close', { conversationId: id });
    await page.close();
  });

  it('sends an image the agent receives, and shows it back from the server', async () => {
    const { a, page, id } = await chatWithDenis('Sophie Bernard', 'sophie.bernard@example.fr');
    const png = Buffer.from(
      '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4e80000000049454e44ae426082',
      'hex',
    );
    await page.locator('input[type=file]').setInputFiles({ name: 'erreur.png', mimeType: 'image/png', buffer: png });
    const got = await a.next('message', (m) => m.attachment !== null, 15_000);
    expect(got).toMatchObject({ conversationId: id, attachment: { name: 'erreur.png', type: 'image/png', size: png.length } });
    // The visitor's page shows the image, fetched with its token.
    await expect.poll(() => page.getByRole('img', { name: 'erreur.png' }).count(), { timeout: 10_000 }).toBe(1);
    await a.ask('close', { conversationId: id });
    await page.close();
  });

  it('finds nobody there and leaves a message, which becomes a helpdesk ticket', async () => {
    const page = await browser.newPage();
    await openChat(page);
    await page.getByLabel('Votre nom').fill('Camille Leroy');
    await page.getByLabel('Votre e-mail').fill('camille.leroy@example.fr');
    await page.getByLabel('Votre message').fill('Où en est mon remboursement ?');
    await page.getByRole('button', { name: 'Envoyer le message' }).click();
    await expect
      .poll(() => page.getByText(/Votre message est transmis à notre équipe \(ticket n° \d{6}\)/).isVisible(), { timeout: 10_000 })
      .toBe(true);
    expect(helpdesk.tickets.at(-1)).toMatchObject({
      name: 'Camille Leroy',
      email: 'camille.leroy@example.fr',
      message: 'Où en est mon remboursement ?',
    });
    await page.close();
  });
});
