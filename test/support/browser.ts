/** Debian's Chromium driven by playwright-core, headless, as DESIGN §3 says. */
import { chromium, type Browser, type Page } from 'playwright-core';
import type { TestRelais } from './relais.ts';

/** Chromium with a fake camera and microphone it may use without asking, talking WebRTC on this machine. */
export const MEDIA_FLAGS = [
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
];

/** A staff member's console, logged in, their browser phone registered. */
export async function consoleOf(b: Browser, tr: TestRelais, staff: string): Promise<Page> {
  const page = await (await b.newContext()).newPage();
  await page.goto(`http://127.0.0.1:${tr.config.server.port}/console/`);
  await page.getByLabel('Identifiant').fill(staff);
  await page.getByLabel('Mot de passe').fill(tr.consolePasswords[staff]!);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByText('Téléphone prêt').waitFor({ timeout: 15_000 });
  return page;
}

/** `extraArgs`: more Chromium switches (e.g. `--host-resolver-rules` to reach 127.0.0.1 by another name). */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.RELAIS_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...extraArgs,
    ],
  });
}
