/** The agent console in Chromium for tests: the media switches and a logged-in page. */
import type { Browser, Page } from 'playwright-core';
import type { TestRelais } from './relais.ts';

/** Chromium with a fake microphone and camera it may use without asking, doing WebRTC on this machine. */
export const MEDIA_FLAGS = [
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
];

/** A staff member's console at 1280×720, logged in through its form, their browser phone registered. */
export async function consoleOf(b: Browser, t: TestRelais, staff: string): Promise<Page> {
  const page = await (
    await b.newContext({ viewport: { width: 1280, height: 720 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' })
  ).newPage();
  await page.goto(`http://127.0.0.1:${t.config.server.port}/console/`);
  await page.getByLabel('Identifiant').fill(staff);
  await page.getByLabel('Mot de passe').fill(t.consolePasswords[staff]!);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByText('Téléphone prêt').waitFor({ timeout: 15_000 });
  return page;
}
