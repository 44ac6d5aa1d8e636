/** Callers, phones and checks shared by the phone integration tests. */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { encodeWav, heardPrompt, parseWav } from './audio.ts';
import { freeUdpBlock, type TestRelais } from './relais.ts';
import { callIn, customerPhone, phone, type PeerStep, type SippPeer, type SippPhone, type SippResult } from './sipp.ts';
import { startCapture, type RtpCapture } from './rtp-capture.ts';

/** Waits until `check` holds, polling; fails with `what` after the deadline. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Caller extends SippPeer {
  /** RTP captured on the wire from before the INVITE: to the caller, and to `alsoCapture` ports. */
  capture: RtpCapture;
}

export async function caller(
  t: TestRelais,
  steps: PeerStep[],
  opts: { dialled?: string; from?: string; timeoutMs?: number; alsoCapture?: number[] } = {},
): Promise<Caller> {
  const port = await freeUdpBlock(2);
  const mediaPort = await freeUdpBlock(4);
  const capture = await startCapture({ ports: [mediaPort, ...(opts.alsoCapture ?? [])] });
  const peer = callIn({
    target: t.sip,
    dialled: opts.dialled ?? '0184000000',
    from: opts.from ?? '0612345678',
    port,
    mediaPort,
    steps,
    timeoutMs: opts.timeoutMs ?? 60_000,
  });
  calling.add(peer);
  // Stop capturing once the call is over, so results are read from a complete file.
  const done = peer.done.then(async (r) => {
    await capture.stop();
    return r;
  });
  return { ...peer, done, capture };
}

/**
 * The phone of a customer Relais calls back, on `port` (the test's `callbacks.dial`), with what it
 * received captured. Released after the test like callers.
 */
export async function customer(
  port: number,
  opts: { answerAfterMs: number | null; steps?: PeerStep[]; calls?: number; timeoutMs?: number },
): Promise<Caller> {
  const mediaPort = await freeUdpBlock(4);
  const capture = await startCapture({ ports: [mediaPort] });
  const peer = customerPhone({
    port,
    mediaPort,
    answerAfterMs: opts.answerAfterMs,
    steps: opts.steps ?? [{ waitBye: true }],
    calls: opts.calls ?? 1,
    timeoutMs: opts.timeoutMs,
  });
  calling.add(peer);
  const done = peer.done.then(async (r) => {
    await capture.stop();
    return r;
  });
  return { ...peer, done, capture };
}

const plugged = new Map<SippPhone, () => Promise<unknown>>();
const calling = new Set<SippPeer>();

/**
 * After each test, even one that failed halfway: callers still on the line hang up, and every
 * phone is unregistered with its owner logged out. The next test starts from nobody.
 */
export async function releasePeers(): Promise<void> {
  for (const c of calling) c.kill();
  calling.clear();
  const phones = [...plugged];
  plugged.clear();
  await Promise.all(phones.map(async ([p, logout]) => (await logout(), await p.unregister())));
}

/**
 * A registered staff phone, its owner logged in (available) unless `loggedIn` is false;
 * resolves once Asterisk has its contact.
 */
export async function staffPhone(
  t: TestRelais,
  staffId: string,
  answerAfterMs: number | null,
  steps: PeerStep[] = [{ waitBye: true }],
  opts: { loggedIn?: boolean } = {},
): Promise<SippPhone> {
  const p = phone({
    target: t.sip,
    user: staffId,
    password: t.passwords[staffId]!,
    port: await freeUdpBlock(2),
    mediaPort: await freeUdpBlock(4),
    answerAfterMs,
    steps,
    lifetimeMs: 180_000,
  });
  plugged.set(p, () => t.relais.routing.setPresence(staffId, 'offline'));
  let exited: string | undefined;
  void p.done.then((r) => (exited = r.errors || `exit ${r.code}`));
  await waitFor(`${staffId}'s phone registered`, async () => {
    if (exited) throw new Error(`${staffId}'s phone (sipp) stopped: ${exited}`);
    return (await t.ari.endpoint('PJSIP', staffId)).state === 'online';
  });
  if (opts.loggedIn !== false) await t.relais.routing.setPresence(staffId, 'available');
  return p;
}

/** How many INVITEs a phone received. */
export const invitesTo = (p: SippPeer): number => p.messages().filter((m) => m.startsWith('<INVITE')).length;

/** Nothing of any call is left in Asterisk or in Relais. */
export async function expectNothingLeft(t: TestRelais): Promise<void> {
  await waitFor('no channel, bridge or session left', async () => {
    const [channels, bridges] = await Promise.all([t.ari.listChannels(), t.ari.listBridges()]);
    return channels.length === 0 && bridges.length === 0 && t.relais.ivr.activeCalls === 0;
  });
}

/** The sipp scenario ran to its end; otherwise the failure shows sipp's own errors. */
export function expectCompleted(result: SippResult): void {
  expect(result.code, result.errors || result.messages.join('\n')).toBe(0);
}

/** Did the audio the caller received contain this prompt, whole? */
export function expectHeard(c: Caller, prompt: string, t: TestRelais): void {
  const rec = c.capture.audioTo(c.mediaPort);
  const result = heardPrompt(rec, readFileSync(t.relais.prompts[prompt]!.file));
  let kept = '';
  if (!result.heard || result.coverage <= 0.95) {
    // What the caller received, for a look (sox, Audacity) at why the check failed.
    kept = join(tmpdir(), `relais-heard-${prompt}-${Date.now()}.wav`);
    writeFileSync(kept, rec);
    kept = ` (recording kept in ${kept})`;
  }
  expect(result, `prompt "${prompt}" in what the caller received${kept}`).toMatchObject({ heard: true });
  expect(result.coverage, `share of "${prompt}" the caller received${kept}`).toBeGreaterThan(0.95);
}

/** How many times the caller heard a prompt whole (replays): each match is silenced, then the search goes on. */
export function timesHeard(c: Caller, t: TestRelais, prompt: string): number {
  const rec = parseWav(c.capture.audioTo(c.mediaPort));
  const wav = readFileSync(t.relais.prompts[prompt]!.file);
  const samplesPerMs = rec.sampleRate / 1000;
  for (let count = 0; ; count++) {
    const r = heardPrompt(encodeWav(rec.samples, rec.sampleRate), wav);
    if (!r.heard || r.coverage < 0.9) return count;
    const from = Math.max(0, Math.round(r.offsetMs * samplesPerMs));
    rec.samples.fill(0, from, from + Math.round(promptMs(t, prompt) * samplesPerMs));
  }
}

export function promptMs(t: TestRelais, prompt: string): number {
  return t.relais.prompts[prompt]!.durationMs;
}
