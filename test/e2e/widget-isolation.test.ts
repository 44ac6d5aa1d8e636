/**
 * The widget on a real page (Debian's Chromium, the demo shop page served by Relais): a theme's
 * aggressive CSS does not change how the widget looks, and the widget does not change how the page
 * looks. Checked on screenshots, pixel for pixel.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { startTestRelais, type TestRelais } from '../support/relais.ts';

let t: TestRelais;
let browser: Browser;

beforeAll(async () => {
  t = await startTestRelais();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

/** What a theme may do to every element of a page. */
const HOSTILE_CSS = `
  * { font-family: serif !important; color: red !important; line-height: 3 !important; letter-spacing: 2px !important;
      box-sizing: content-box !important; text-transform: uppercase !important; }
  button, input, select, textarea { background: lime !important; border: 6px dashed black !important; padding: 18px !important;
      font-size: 28px !important; border-radius: 0 !important; }
  div, section, form, p, span, label { margin: 9px !important; display: block !important; }
  svg { width: 80px !important; height: 80px !important; }`;

/** The demo shop page, with `change` applied to its HTML on the way (same URL, same origin). */
async function shopPage(change: (html: string) => string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const url = `http://127.0.0.1:${t.config.server.port}/demo/shop`;
  await page.route(url, async (route) => {
    const res = await route.fetch();
    await route.fulfill({ response: res, body: change(await res.text()) });
  });
  await page.goto(url);
  return page;
}

async function openPanel(page: Page): Promise<Buffer> {
  await page.getByRole('button', { name: 'Ouvrir le chat' }).click();
  const panel = page.getByRole('dialog');
  await panel.waitFor();
  await page.getByLabel('Votre nom').waitFor();
  await page.waitForTimeout(300); // transitions settle
  // Inside the rounded corners, which let the page behind show through.
  const box = (await panel.boundingBox())!;
  const r = 12;
  return page.screenshot({
    animations: 'disabled',
    clip: { x: box.x + r, y: box.y + r, width: box.width - 2 * r, height: box.height - 2 * r },
  });
}

describe('the widget on a real page', { timeout: 60_000 }, () => {
  it("looks the same whatever the host page's CSS does", async () => {
    const plain = await shopPage((html) => html);
    const hostile = await shopPage((html) => html.replace('</head>', `<style>${HOSTILE_CSS}</style></head>`));
    // The hostile CSS did apply to the page itself.
    expect(await hostile.locator('h1').evaluate((e) => getComputedStyle(e).color)).toBe('rgb(255, 0, 0)');
    const [a, b] = [await openPanel(plain), await openPanel(hostile)];
    expect(b.equals(a), 'the open chat panel differs under the host page CSS').toBe(true);
    await plain.close();
    await hostile.close();
  });

  it('leaves the host page as it was: same pixels, same styles, with the widget loaded and closed', async () => {
    const without = await shopPage((html) => html.replace(/<script src="\/widget\/loader\.js"[^>]*><\/script>/, ''));
    const withWidget = await shopPage((html) => html);
    await withWidget.getByRole('button', { name: 'Ouvrir le chat' }).waitFor();
    const main = (p: Page) => p.locator('main').screenshot({ animations: 'disabled' });
    expect((await main(withWidget)).equals(await main(without)), 'the page content differs with the widget').toBe(true);
    const styles = (p: Page) =>
      p.evaluate(() =>
        [...document.querySelectorAll('body, main, h1, p, a, button')].map((e) => {
          const s = getComputedStyle(e);
          return ['color', 'font', 'margin', 'padding', 'display', 'background-color', 'line-height'].map((k) => s.getPropertyValue(k));
        }),
      );
    expect(await styles(withWidget)).toEqual(await styles(without));
    await without.close();
    await withWidget.close();
  });
});
