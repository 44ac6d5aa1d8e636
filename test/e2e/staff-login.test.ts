/**
 * The session cookie in a real browser (Debian's Chromium): on http://127.0.0.1 (loopback is a
 * secure context, so a Secure `__Host-` cookie is kept) it is stored HttpOnly, sent with the
 * console's requests and with its Socket.IO handshake, and forgotten at logout. Over plain http on
 * any other name the browser refuses it: that is why the console needs HTTPS beyond loopback.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { startTestRelais, type TestRelais } from '../support/relais.ts';

/** A name that is not loopback for the browser, resolved to 127.0.0.1 by Chromium itself. */
const OTHER_NAME = 'relais.test';

let t: TestRelais;
let browser: Browser;

beforeAll(async () => {
  t = await startTestRelais({
    // As a proxy's public origin would be: Relais accepts requests from it.
    patch: (c) => void (c.server = { ...c.server!, origins: [`http://${OTHER_NAME}:${c.server!.port}`] }),
  });
  browser = await launchChromium([`--host-resolver-rules=MAP ${OTHER_NAME} 127.0.0.1`]);
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

/** Runs in the page: a JSON request to Relais from its own page, as the console makes them. */
async function call(page: Page, method: string, url: string, body?: unknown): Promise<{ status: number; json: any }> {
  return page.evaluate(
    async ([method, url, body]) => {
      const res = await fetch(url as string, {
        method: method as string,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : null };
    },
    [method, url, body] as const,
  );
}

async function pageAt(host: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`http://${host}:${t.config.server.port}/console/`);
  return { context, page };
}

describe('the session cookie in Chromium', () => {
  it('is stored on http://127.0.0.1, HttpOnly, and sent with requests and the agent socket; logout removes it', async () => {
    const { context, page } = await pageAt('127.0.0.1');
    const login = await call(page, 'POST', '/api/auth/login', { staff: 'hector', password: t.consolePasswords.hector });
    expect(login).toEqual({ status: 200, json: { staff: { id: 'hector', name: 'Hector Harfang', role: 'agent' } } });

    const cookies = await context.cookies();
    expect(cookies).toEqual([
      expect.objectContaining({
        name: '__Host-relais_session',
        domain: '127.0.0.1',
        path: '/',
        httpOnly: true,
        secure: true,
        sameSite: 'Strict',
      }),
    ]);
    expect(await page.evaluate(() => document.cookie)).toBe('');

    expect((await call(page, 'GET', '/api/auth/me')).json).toEqual({
      staff: { id: 'hector', name: 'Hector Harfang', role: 'agent' },
      via: 'session',
    });
    // A change: the browser adds Origin by itself, which the guard requires with a cookie.
    expect((await call(page, 'PUT', '/api/agents/hector/presence', { presence: 'paused', reason: 'formation' })).status).toBe(200);

    // The console's socket: Socket.IO's own client, served by Relais, with no credentials but the cookie.
    await page.addScriptTag({ url: '/socket.io/socket.io.js' });
    const socket = await page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          const s = (window as any).io('/agent', { transports: ['websocket'], reconnection: false });
          s.on('connect', () => resolve('connected'));
          s.on('connect_error', (err: any) => resolve(`refused: ${err.data?.code ?? err.message}`));
          setTimeout(() => resolve('no answer in 5 s'), 5000);
        }),
    );
    expect(socket).toBe('connected');

    expect((await call(page, 'POST', '/api/auth/logout')).status).toBe(204);
    expect(await context.cookies()).toEqual([]);
    expect((await call(page, 'GET', '/api/auth/me')).status).toBe(401);
    await t.relais.routing.setPresence('hector', 'offline');
    await context.close();
  });

  it('is refused by the browser over plain http on a name that is not loopback', async () => {
    const { context, page } = await pageAt(OTHER_NAME);
    expect(await page.evaluate(() => window.isSecureContext)).toBe(false);
    // Relais accepts the login (the origin is configured)...
    expect((await call(page, 'POST', '/api/auth/login', { staff: 'gary', password: t.consolePasswords.gary })).status).toBe(200);
    // ...but the browser drops a Secure cookie from an insecure page: the console needs HTTPS there.
    expect(await context.cookies()).toEqual([]);
    expect((await call(page, 'GET', '/api/auth/me')).status).toBe(401);
    await context.close();
  });
});
