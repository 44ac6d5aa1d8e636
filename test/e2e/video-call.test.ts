/**
 * Video calls in real browsers (Debian's Chromium, fake camera and microphone) through the real
 * mediasoup worker: a visitor on the demo shop page and Denis in his console, in the same chat.
 * Denis proposes, the visitor accepts; each side decodes the other's video and receives audio
 * (WebRTC's own statistics, shown under the call); the visitor shares a screen that Denis
 * receives, and Denis shares his, which the visitor sees big until he stops; a second call in the
 * same conversation is refused with its reason; the visitor reloads mid-call and is back in it;
 * hanging up leaves nothing in mediasoup and the call lands on the timeline. Declining, and a
 * visitor whose browser refuses the camera, leave the chat going. On a site where only agents
 * propose, the widget offers no video button.
 */
import type { Browser, Page } from 'playwright-core';
import { io } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { consoleOf, MEDIA_FLAGS } from '../support/console.ts';
import { waitFor } from '../support/calls.ts';
import { API_TOKEN, startTestRelais, type TestRelais } from '../support/relais.ts';

let t: TestRelais;
let browser: Browser;
/** The same, without the fake permission prompt: camera and microphone are refused. */
let refusing: Browser;
const pages: Page[] = [];

beforeAll(async () => {
  t = await startTestRelais();
  // getDisplayMedia picks the (fake) screen by itself with these.
  browser = await launchChromium([
    ...MEDIA_FLAGS,
    '--auto-select-desktop-capture-source=Entire screen',
    '--enable-usermedia-screen-capturing',
  ]);
  refusing = await launchChromium(MEDIA_FLAGS.filter((f) => f !== '--use-fake-ui-for-media-stream'));
});
afterEach(async () => {
  for (const p of pages.splice(0)) await p.context().close();
  // A chat whose visitor closed the page stays Denis's: each would hold one of his three chat
  // slots, and a fourth test's chat would never be offered to him.
  const chat = t.relais.chat!.service;
  for (const id of (await t.relais.routing.agent('denis')).holding ?? []) {
    const c = await chat.conversation(id);
    if (c && c.status !== 'ended') await chat.end(c, 'agent');
  }
  await waitFor('denis holds no chat', async () => ((await t.relais.routing.agent('denis')).active.chat ?? 0) === 0);
  await t.relais.routing.setPresence('denis', 'offline');
});
afterAll(async () => {
  await browser?.close();
  await refusing?.close();
  await t?.stop();
});

const base = () => `http://127.0.0.1:${t.config.server.port}`;

/** "Images reçues : 12 · Écran : 0 · Audio reçu : 40 paquets" → its numbers. */
async function statsOf(page: Page): Promise<{ frames: number; screen: number; audio: number }> {
  const text =
    (await page
      .locator('.video-stats')
      .first()
      .textContent({ timeout: 1000 })
      .catch(() => '')) ?? '';
  const n = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
  return { frames: n(/Images reçues : (\d+)/), screen: n(/Écran : (\d+)/), audio: n(/Audio reçu : (\d+)/) };
}

/** Waits until what `page` received grew by `by` (frames, screen frames, audio packets) from now. */
async function grows(page: Page, what: 'frames' | 'screen' | 'audio', by: number, timeoutMs = 15_000): Promise<number> {
  const from = (await statsOf(page))[what];
  let now = from;
  await waitFor(`${what} received growing by ${by}`, async () => (now = (await statsOf(page))[what]) >= from + by, timeoutMs);
  return now;
}

/** Resolves when the <video> shows a decoded frame (its size is known only then). */
async function firstFrame(page: Page, selector: string): Promise<void> {
  await page
    .locator(selector)
    .first()
    .evaluate(
      (v: HTMLVideoElement) =>
        new Promise<void>((resolve) => {
          const check = () => (v.videoWidth > 0 ? resolve() : setTimeout(check, 10));
          check();
        }),
      undefined,
      { timeout: 20_000 },
    );
}

/** Waits until the <video> itself has drawn `by` more frames (what is on the visitor's screen, not only decoded). */
async function painting(page: Page, selector: string, by: number): Promise<void> {
  const painted = () =>
    page
      .locator(selector)
      .first()
      .evaluate((v: HTMLVideoElement) => (v.hidden ? -1 : v.getVideoPlaybackQuality().totalVideoFrames));
  const from = await painted();
  expect(from, `${selector} is shown`).toBeGreaterThanOrEqual(0);
  await waitFor(`${selector} drawing ${by} more frames`, async () => (await painted()) >= from + by, 15_000);
}

/** Denis's console with a chat from a visitor on the shop page (from `b`; `before` runs on the visitor's page before it loads). */
async function chatting(b: Browser, name: string, before?: (visitor: Page) => Promise<unknown>): Promise<{ agent: Page; visitor: Page }> {
  const agent = await consoleOf(browser, t, 'denis');
  pages.push(agent);
  await agent.getByLabel('Présence').selectOption('available');
  await waitFor('denis available', async () => (await t.relais.routing.agent('denis')).presence === 'available');
  await waitFor('denis takes chats', async () => (await t.relais.routing.agent('denis')).chatReady === true);
  const visitor = await (await b.newContext()).newPage();
  pages.push(visitor);
  await before?.(visitor);
  await visitor.goto(`${base()}/demo/shop`);
  await visitor.getByRole('button', { name: 'Ouvrir le chat' }).click();
  await visitor.getByLabel('Votre nom').fill(name);
  await visitor.getByLabel('Votre e-mail').fill(`${name.split(' ')[0]!.toLowerCase()}.${Date.now()}@example.fr`);
  await visitor.getByLabel('Sujet').selectOption('sales');
  await visitor.getByRole('button', { name: 'Démarrer la conversation' }).click();
  await agent.locator('.offer').getByRole('button', { name: 'Répondre' }).click({ timeout: 20_000 });
  await agent.locator('.chat-panel').waitFor();
  await expect.poll(() => visitor.getByRole('log').textContent(), { timeout: 10_000 }).toContain('Denis Douc a rejoint la conversation');
  return { agent, visitor };
}

/** The visitor writes; Denis reads it in his console. */
async function chatGoesOn(agent: Page, visitor: Page, text: string): Promise<void> {
  await visitor.getByLabel('Votre message').fill(text);
  await visitor.getByLabel('Votre message').press('Enter');
  await agent.locator('.thread').getByText(text).waitFor({ timeout: 10_000 });
}

describe('a video call from a chat', { timeout: 180_000 }, () => {
  it('is proposed by the agent, accepted, seen and heard both ways, shares a screen, survives a reload, and leaves nothing', async () => {
    const { agent, visitor } = await chatting(browser, 'Marie Dupont');
    await agent.getByRole('button', { name: 'Proposer une vidéo' }).click();
    await visitor.getByText('Denis Douc vous propose un appel vidéo.').waitFor({ timeout: 10_000 });
    const acceptedAt = Date.now();
    await visitor.getByRole('button', { name: 'Accepter' }).click();

    // Setup time: the accept click to the first frame of the other side's camera drawn on each side.
    const [visitorFirstFrame, agentFirstFrame] = await Promise.all([
      firstFrame(visitor, '.call video.main').then(() => Date.now() - acceptedAt),
      firstFrame(agent, '.video-area video.main').then(() => Date.now() - acceptedAt),
    ]);
    console.log(`video setup (accept → first frame decoded): visitor ${visitorFirstFrame} ms, agent ${agentFirstFrame} ms`);
    await waitFor('frames counted by the visitor', async () => (await statsOf(visitor)).frames > 0, 10_000);
    await waitFor('frames counted by the agent', async () => (await statsOf(agent)).frames > 0, 10_000);

    // Each side decodes the other's camera and receives their microphone, steadily.
    await grows(visitor, 'frames', 30);
    await grows(agent, 'frames', 30);
    await grows(visitor, 'audio', 50);
    await grows(agent, 'audio', 50);
    await agent.setViewportSize({ width: 1280, height: 720 });
    await agent.screenshot({ path: '/tmp/video-console.png' });

    // The chat goes on beside the call.
    await chatGoesOn(agent, visitor, 'Je vous montre mon erreur.');

    // The visitor turns the camera off and mutes: Denis is told in words, then both come back.
    await visitor.getByRole('button', { name: 'Couper la caméra' }).click();
    await agent.getByText('Caméra du client coupée').waitFor({ timeout: 10_000 });
    await visitor.getByRole('button', { name: 'Couper le micro' }).click();
    await agent.getByText('Micro du client coupé').waitFor({ timeout: 10_000 });
    await visitor.getByRole('button', { name: 'Réactiver la caméra' }).click();
    await visitor.getByRole('button', { name: 'Réactiver le micro' }).click();
    await agent.getByText('Caméra du client coupée').waitFor({ state: 'detached', timeout: 10_000 });
    await grows(agent, 'frames', 20);
    await grows(agent, 'audio', 30);

    // The visitor shares their screen; Denis receives it.
    await visitor.getByRole('button', { name: 'Partager l’écran' }).click();
    await grows(agent, 'screen', 20);
    await agent.getByLabel('Écran partagé par le client').waitFor({ timeout: 10_000 });
    await visitor.setViewportSize({ width: 390, height: 844 });
    await visitor.screenshot({ path: '/tmp/video-widget.png' });
    await visitor.getByRole('button', { name: 'Arrêter le partage' }).click();

    // A second call in the same conversation is refused, with its reason.
    const token = await visitor.evaluate(() => localStorage.getItem('relais-chat:iseedor-shop:token') ?? '');
    const second = io(`${base()}/visitor`, {
      auth: { site: 'iseedor-shop', token },
      transports: ['websocket'],
      extraHeaders: { origin: base() },
    });
    try {
      const refused = await second.timeout(5000).emitWithAck('video:propose', {});
      expect(refused).toMatchObject({
        ok: false,
        error: { code: 'VIDEO_ERR_ALREADY', message: expect.stringContaining('already in progress') },
      });
    } finally {
      second.disconnect();
    }

    // The visitor reloads mid-call: the widget comes back and joins the call again.
    await visitor.reload();
    await waitFor('the visitor back in the call', async () => (await statsOf(visitor)).frames > 10, 30_000);
    await grows(agent, 'frames', 30);
    await grows(visitor, 'audio', 50);

    // Denis hangs up: both sides are told, nothing is left in mediasoup, the call is on the timeline.
    await agent.getByRole('button', { name: 'Raccrocher' }).click();
    await agent.getByText('Appel vidéo terminé.').waitFor({ timeout: 10_000 });
    await visitor.getByText('Appel vidéo terminé. La conversation continue par écrit.').waitFor({ timeout: 10_000 });
    await waitFor('no call left in mediasoup', async () => (await t.relais.video!.service.counts()).rooms === 0);
    expect(await t.relais.video!.service.counts()).toEqual({ rooms: 0, transports: 0, producers: 0, consumers: 0 });
    expect((await t.relais.routing.agent('denis')).active.video ?? 0).toBe(0);
    const customers = await (await fetch(`${base()}/api/customers?q=marie`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).json();
    const timeline = await (
      await fetch(`${base()}/api/customers/${customers[0].id}/timeline`, { headers: { authorization: `Bearer ${API_TOKEN}` } })
    ).json();
    const call = timeline.entries.find((e: { channel: string }) => e.channel === 'video');
    expect(call).toMatchObject({ agent: 'denis', outcome: 'answered', answeredAt: expect.any(String), endedAt: expect.any(String) });
    expect(Date.parse(call.endedAt) - Date.parse(call.answeredAt)).toBeGreaterThan(5000);
    await chatGoesOn(agent, visitor, 'Merci, c’est réglé.');
  });

  it("the agent shares a screen: the visitor sees it big, then the agent's camera again; hanging up leaves nothing", async () => {
    const { agent, visitor } = await chatting(browser, 'Thomas Leroy');
    await agent.getByRole('button', { name: 'Proposer une vidéo' }).click();
    await visitor.getByRole('button', { name: 'Accepter' }).click();
    await firstFrame(visitor, '.call video.main');
    await grows(visitor, 'frames', 20);
    expect((await statsOf(visitor)).screen).toBe(0);

    // Denis shares his screen (to show a page): the visitor decodes it and sees it big, Denis's camera small beside it.
    await agent.getByRole('button', { name: 'Partager l’écran' }).click();
    await grows(visitor, 'screen', 20);
    await visitor.getByLabel('Écran partagé par Denis Douc').waitFor({ timeout: 10_000 });
    await painting(visitor, '.call video.main', 10);
    await painting(visitor, '.call video.side', 10);

    // He stops: the screen goes away on the visitor's side, and his camera is big again.
    await agent.getByRole('button', { name: 'Arrêter le partage' }).click();
    await agent.getByRole('button', { name: 'Partager l’écran' }).waitFor({ timeout: 10_000 });
    await visitor.getByLabel('Écran partagé par Denis Douc').waitFor({ state: 'detached', timeout: 10_000 });
    await visitor.locator('.call video.side').waitFor({ state: 'hidden', timeout: 10_000 });
    await visitor.getByLabel('Caméra de Denis Douc').and(visitor.locator('video.main')).waitFor();
    await grows(visitor, 'frames', 20);
    await painting(visitor, '.call video.main', 10);

    // The visitor hangs up: nothing is left in mediasoup, the chat goes on.
    await visitor.getByRole('button', { name: 'Raccrocher' }).click();
    await agent.getByText('Appel vidéo terminé.').waitFor({ timeout: 10_000 });
    await waitFor('no call left in mediasoup', async () => (await t.relais.video!.service.counts()).rooms === 0);
    expect(await t.relais.video!.service.counts()).toEqual({ rooms: 0, transports: 0, producers: 0, consumers: 0 });
    expect((await t.relais.routing.agent('denis')).active.video ?? 0).toBe(0);
    await chatGoesOn(agent, visitor, 'Merci, j’ai vu la page.');
  });

  it('declined by the visitor: the agent is told, the chat goes on', async () => {
    const { agent, visitor } = await chatting(browser, 'Julien Martin');
    await agent.getByRole('button', { name: 'Proposer une vidéo' }).click();
    await visitor.getByRole('button', { name: 'Refuser' }).click();
    await agent.getByText('Le client a refusé la vidéo.').waitFor({ timeout: 10_000 });
    await visitor.getByText('L’appel vidéo a été refusé. La conversation continue par écrit.').waitFor();
    // The visitor may propose one later (this site lets visitors propose).
    await visitor.getByRole('button', { name: 'Proposer un appel vidéo au conseiller' }).waitFor();
    await chatGoesOn(agent, visitor, 'Pas de vidéo pour moi, merci.');
    expect(await t.relais.video!.service.counts()).toEqual({ rooms: 0, transports: 0, producers: 0, consumers: 0 });
  });

  it('on a site where only agents propose (video.visitorsMayPropose false): the widget offers no video button, the agent still proposes', async () => {
    // The server's widget config with the flag as such a site's Relais sends it (test/integration/video.test.ts
    // checks that one and that it refuses a visitor's proposal); the rest of the answer is this Relais' own.
    const onlyAgents = (visitor: Page) =>
      visitor.route('**/chat/config?*', async (route) => {
        const config = await (await route.fetch()).json();
        await route.fulfill({ json: { ...config, video: { visitorsMayPropose: false } } });
      });
    const { agent, visitor } = await chatting(browser, 'Claire Moreau', onlyAgents);
    await agent.getByRole('button', { name: 'Proposer une vidéo' }).click();
    await visitor.getByRole('button', { name: 'Refuser' }).click();
    await visitor.getByText('L’appel vidéo a été refusé. La conversation continue par écrit.').waitFor();
    // Where the test above sees the visitor's button, there is none.
    expect(await visitor.getByRole('button', { name: 'Proposer un appel vidéo au conseiller' }).count()).toBe(0);
    await chatGoesOn(agent, visitor, 'D’accord, on continue par écrit.');
  });

  it("with camera and microphone refused by the visitor's browser: said in French, the visitor still sees the agent, the chat goes on", async () => {
    const { agent, visitor } = await chatting(refusing, 'Sophie Bernard');
    // The visitor proposes this time.
    await visitor.getByRole('button', { name: 'Proposer un appel vidéo au conseiller' }).click();
    await agent.getByRole('button', { name: 'Accepter la vidéo' }).click({ timeout: 10_000 });
    await visitor.getByText('Vous avez refusé l’accès à la caméra et au micro').waitFor({ timeout: 20_000 });
    await grows(visitor, 'frames', 30, 20_000);
    await agent.getByText('Le client n’envoie pas d’image').waitFor();
    await chatGoesOn(agent, visitor, 'Je vous vois, mais ma caméra est bloquée.');
    await visitor.getByRole('button', { name: 'Raccrocher' }).click();
    await agent.getByText('Appel vidéo terminé.').waitFor({ timeout: 10_000 });
  });
});
