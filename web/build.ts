/**
 * Builds the website chat widget with esbuild: `loader.js` (the embed, a classic script) and
 * `widget.js` (an ES module the loader imports on demand) and `video.js` (the video call, which
 * widget.js imports when a call starts), minified for es2020, no source maps.
 *
 *   npx tsx web/build.ts [outDir]        (default web/dist/widget)
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions } from 'esbuild';

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const DEFAULT_OUT_DIR = join(HERE, 'dist', 'widget');

export interface FileSize {
  bytes: number;
  /** gzip -9, what a CDN or a compressing server sends. */
  gzipBytes: number;
}

export interface WidgetBuild {
  files: Record<string, FileSize>;
}

const common: BuildOptions = {
  bundle: true,
  minify: true,
  target: 'es2020',
  platform: 'browser',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'silent',
  charset: 'utf8',
};

export async function buildWidget(outDir: string): Promise<WidgetBuild> {
  await mkdir(outDir, { recursive: true });
  await Promise.all([
    // A classic script (`<script async>` without type=module, so document.currentScript works):
    // an IIFE leaves no global in the host page. It still uses import() to load widget.js.
    build({ ...common, entryPoints: [join(HERE, 'widget', 'loader.ts')], format: 'iife', outfile: join(outDir, 'loader.js') }),
    build({ ...common, entryPoints: [join(HERE, 'widget', 'widget.ts')], format: 'esm', outfile: join(outDir, 'widget.js') }),
    // The video call, imported by widget.js only when a call starts: mediasoup-client stays out of the chat's weight.
    build({ ...common, entryPoints: [join(HERE, 'widget', 'video-call.ts')], format: 'esm', outfile: join(outDir, 'video.js') }),
  ]);
  const files: Record<string, FileSize> = {};
  for (const name of ['loader.js', 'widget.js', 'video.js']) {
    const body = await readFile(join(outDir, name));
    files[name] = { bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
  }
  return { files };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = resolve(process.argv[2] ?? DEFAULT_OUT_DIR);
  const { files } = await buildWidget(outDir);
  for (const [name, s] of Object.entries(files)) console.log(`${join(outDir, name)}  ${s.bytes} B, ${s.gzipBytes} B gzipped`);
}
