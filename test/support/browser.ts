/** Debian's Chromium driven by playwright-core, headless, as DESIGN §3 says. */
import { chromium, type Browser } from 'playwright-core';

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
