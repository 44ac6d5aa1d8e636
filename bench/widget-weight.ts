/**
 * The website chat widget's weight, as a visitor's browser downloads it (gzip -9): the loader every
 * page loads, and loader + widget once the chat is opened, against the budgets (5 kB and 30 kB)
 * and against 130 kB, the low end of popular hosted chat widgets' first load. The video call
 * (video.js, mediasoup-client) is apart: widget.js imports it only when a call starts, so it is in
 * no chat's budget; its weight is printed beside, and so is the whole of a video call.
 *
 *   npx tsx bench/widget-weight.ts [--json]
 *
 * Exit code 1 when a budget is exceeded.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildWidget } from '../web/build.ts';

const KB = 1024;
const LOADER_BUDGET = 5 * KB;
const TOTAL_BUDGET = 30 * KB;
const POPULAR_LOW_END = 130 * KB;

const { values: args } = parseArgs({ options: { json: { type: 'boolean' } } });

const dir = await mkdtemp(join(tmpdir(), 'relais-widget-weight-'));
try {
  const { files } = await buildWidget(dir);
  const loader = files['loader.js']!;
  const widget = files['widget.js']!;
  const video = files['video.js']!;
  const total = loader.gzipBytes + widget.gzipBytes;
  const result = {
    loader: { ...loader, budget: LOADER_BUDGET, ok: loader.gzipBytes <= LOADER_BUDGET },
    widget,
    total: { bytes: loader.bytes + widget.bytes, gzipBytes: total, budget: TOTAL_BUDGET, ok: total <= TOTAL_BUDGET },
    /** Loaded only when a video call starts. */
    video,
    withVideo: { bytes: loader.bytes + widget.bytes + video.bytes, gzipBytes: total + video.gzipBytes },
    /** Our full chat against the lightest popular widget: 0.19 means about a fifth. */
    ratioToPopular: Number((total / POPULAR_LOW_END).toFixed(3)),
  };
  if (args.json) console.log(JSON.stringify(result, null, 2));
  else {
    const kb = (n: number) => `${(n / KB).toFixed(1)} kB`;
    const line = (name: string, gz: number, raw: number, budget?: number) =>
      `${name.padEnd(18)} ${kb(gz).padStart(9)} gz ${kb(raw).padStart(9)} raw` +
      (budget === undefined ? '' : `   budget ${kb(budget)}  ${gz <= budget ? 'ok' : 'EXCEEDED'}`);
    console.log(line('loader.js', loader.gzipBytes, loader.bytes, LOADER_BUDGET));
    console.log(line('widget.js', widget.gzipBytes, widget.bytes));
    console.log(line('loader + widget', total, loader.bytes + widget.bytes, TOTAL_BUDGET));
    console.log(line('video.js (a call)', video.gzipBytes, video.bytes));
    console.log(line('all, in a call', result.withVideo.gzipBytes, result.withVideo.bytes));
    console.log(
      `vs ${kb(POPULAR_LOW_END)} (low end of popular widgets): ${(result.ratioToPopular * 100).toFixed(0)} %, ${(POPULAR_LOW_END / total).toFixed(1)}× lighter`,
    );
  }
  if (!result.loader.ok || !result.total.ok) process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
