/**
 * The agent console's weight and load time, as an agent's browser sees them.
 *
 *   npx tsx bench/console-load.ts [--runs 15] [--json]
 *
 * Weight (gzip -9): what the login page downloads (first screen), what logging in adds (the
 * browser phone's SIP.js), and the history's charts (loaded on first visit).
 * Time, in Debian's Chromium on a real Relais (Asterisk, Redis, PostgreSQL), each run in a fresh
 * browser context (cold cache): navigation → login form ready; submit → workspace ready (presence
 * known, live socket up) → browser phone registered. The baseline, measured the same way in the
 * same run: a page with nothing to run from the same server (/health: the browser's and the
 * server's floor), and the login itself without the page (one POST /api/auth/login: the password
 * hash dominates it).
 */
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import { buildConsole } from '../web/console/build.ts';
import { launchChromium } from '../test/support/browser.ts';
import { MEDIA_FLAGS } from '../test/support/console.ts';
import { startBenchRelais } from './bench-relais.ts';
import { percentile } from './stats.ts';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '15' }, json: { type: 'boolean' } } });
const RUNS = Number(args.runs);
const KB = 1024;

const build = await buildConsole();
const gz = (match: (name: string) => boolean) => build.files.filter((f) => match(f.name)).reduce((n, f) => n + f.gzipBytes, 0);
const weight = {
  firstScreen: gz((n) => n === 'index.html' || /^assets\/index-.*\.(js|css)$/.test(n)),
  phone: gz((n) => /^assets\/softphone-.*\.js$/.test(n)),
  history: gz((n) => /^assets\/history-.*\.(js|css)$/.test(n)),
  all: gz(() => true),
};

const bench = await startBenchRelais({ logLevel: 'warn', logFile: '/tmp/relais-bench-console.log' });
const base = `http://127.0.0.1:${bench.config.server.port}`;
let browser: Browser | undefined;
try {
  browser = await launchChromium(MEDIA_FLAGS);
  const staffPassword = bench.consolePasswords.eleonore!;
  const samples = { blank: [] as number[], loginRequest: [] as number[], form: [] as number[], workspace: [] as number[], phone: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page = await context.newPage();
    let t0 = performance.now();
    await page.goto(`${base}/health`, { waitUntil: 'load' });
    samples.blank.push(performance.now() - t0);

    t0 = performance.now();
    const res = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base },
      body: JSON.stringify({ staff: 'eleonore', password: staffPassword }),
    });
    if (res.status !== 200) throw new Error(`login answered ${res.status}`);
    samples.loginRequest.push(performance.now() - t0);

    t0 = performance.now();
    await page.goto(`${base}/console/`);
    await page.getByLabel('Identifiant').waitFor();
    samples.form.push(performance.now() - t0);

    await page.getByLabel('Identifiant').fill('eleonore');
    await page.getByLabel('Mot de passe').fill(staffPassword);
    t0 = performance.now();
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByLabel('Présence').waitFor();
    samples.workspace.push(performance.now() - t0);
    await page.getByText('Téléphone prêt').waitFor({ timeout: 15_000 });
    samples.phone.push(performance.now() - t0);
    await page.getByRole('button', { name: 'Déconnexion' }).click();
    await context.close();
  }
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const median = (xs: number[]) => percentile(sorted(xs), 50);
  const figure = (xs: number[]) => ({ p50: round(median(xs)), p90: round(percentile(sorted(xs), 90)) });
  const result = {
    runs: RUNS,
    weightKiB: Object.fromEntries(Object.entries(weight).map(([k, v]) => [k, round(v / KB)])),
    ms: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, figure(v)])),
    ratio: {
      formVsBlank: round(median(samples.form) / median(samples.blank)),
      workspaceVsLoginRequest: round(median(samples.workspace) / median(samples.loginRequest)),
    },
  };
  if (args.json) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(`agent console, ${RUNS} cold loads in Chromium (p50 / p90, ms)`);
    console.log(`  weight (gzip): first screen ${result.weightKiB.firstScreen} KiB, + browser phone ${result.weightKiB.phone} KiB after login, history charts ${result.weightKiB.history} KiB on first visit; all ${result.weightKiB.all} KiB`);
    for (const [k, v] of Object.entries(result.ms)) console.log(`  ${k.padEnd(10)} ${String(v.p50).padStart(8)} ${String(v.p90).padStart(8)}`);
    console.log(
      `  login form vs a blank page: ×${result.ratio.formVsBlank}; workspace ready after submit vs the bare login request: ×${result.ratio.workspaceVsLoginRequest}`,
    );
  }
} finally {
  await browser?.close();
  await bench.stop();
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
