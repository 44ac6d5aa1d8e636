/**
 * Builds the agent console with Vite into `outDir`, unless that folder already holds the build of
 * these exact sources (a hash of web/console/ and the lock file): Relais builds it at start, and
 * every test suite starts a Relais.
 *
 *   npx tsx web/console/build.ts [outDir]        (default web/console/dist)
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(HERE, '..', '..');
export const DEFAULT_CONSOLE_DIR = join(HERE, 'dist');
const STAMP = '.sources-hash';

/** What the browser downloads to show the console, gzipped (the first screen; lazy parts apart). */
export interface ConsoleBuild {
  dir: string;
  built: boolean;
  files: { name: string; bytes: number; gzipBytes: number }[];
}

export async function buildConsole(outDir = DEFAULT_CONSOLE_DIR): Promise<ConsoleBuild> {
  const hash = await sourcesHash();
  const stamp = join(outDir, STAMP);
  let built = false;
  if (!existsSync(stamp) || (await readFile(stamp, 'utf8')) !== hash) {
    // Built aside, then swapped in: test suites starting together never serve half a build.
    const fresh = `${outDir}.${process.pid}.new`;
    const stale = `${outDir}.${process.pid}.old`;
    const { build } = await import('vite');
    await build({ configFile: join(HERE, 'vite.config.ts'), build: { outDir: fresh, emptyOutDir: true }, logLevel: 'warn' });
    await writeFile(join(fresh, STAMP), hash);
    if (existsSync(outDir)) await rename(outDir, stale);
    await rename(fresh, outDir);
    await rm(stale, { recursive: true, force: true });
    built = true;
  }
  return { dir: outDir, built, files: await sizes(outDir) };
}

async function sourcesHash(): Promise<string> {
  const h = createHash('sha256');
  // The console's sources, and what it imports from outside web/console/ (contracts, the shared call).
  const outside = ['package-lock.json', 'console/protocol.ts', 'chat/protocol.ts', 'video/protocol.ts', 'video/errors.ts'].map((f) =>
    join(ROOT, f),
  );
  const files = [...(await walk(HERE)), ...(await walk(join(ROOT, 'web', 'video'))), ...outside];
  for (const f of files.sort()) h.update(relative(ROOT, f)).update(await readFile(f));
  return h.digest('hex');
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name === 'dist' || e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(path)));
    else out.push(path);
  }
  return out;
}

async function sizes(dir: string): Promise<ConsoleBuild['files']> {
  const out: ConsoleBuild['files'] = [];
  for (const f of await walk(dir)) {
    if ((await stat(f)).isDirectory()) continue;
    const body = await readFile(f);
    out.push({ name: relative(dir, f), bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await buildConsole(resolve(process.argv[2] ?? DEFAULT_CONSOLE_DIR));
  console.log(`${r.dir} (${r.built ? 'built' : 'up to date'})`);
  for (const f of r.files) console.log(`  ${f.name}  ${f.bytes} B, ${f.gzipBytes} B gzipped`);
}
