/**
 * One load level with sipp (Debian's sip-tester): up to `level` calls at once, each INVITE →
 * 200 → ACK → listen (optionally pressing a digit) → BYE → 200, and what sipp measured (calls,
 * concurrency, INVITE→200 times).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeUdpBlock } from '../test/support/relais.ts';
import { callerScenario } from '../test/support/sipp.ts';

export interface LoadSpec {
  /** Where sipp's scenario and traces go (a folder per level). */
  workDir: string;
  target: { host: string; port: number };
  /** The caller's From user: it picks the flow (trunk → ARI IVR, `plainivr` → plain dialplan). */
  from: string;
  level: number;
  /** How long a caller stays on after the 200 OK. */
  holdMs: number;
  /** Calls placed in all: `level` × this, so the level is held for a while after the ramp. */
  callsPerSlot: number;
  /** UDP port written in the SDP: nothing listens there, so every RTP packet sent to callers is counted as UDP NoPorts. */
  sdpMediaPort: number;
  /** One SDP port per call instead (in the order calls are placed; at least as many as calls): RTP counted per caller. */
  sdpPorts?: readonly number[];
  /** A key the caller presses this long after the 200 OK (within `holdMs`). */
  digit?: { key: string; atMs: number };
}

export interface LoadResult {
  exitCode: number | null;
  successful: number;
  failed: number;
  /** Highest number of calls sipp had open at once. */
  maxConcurrent: number;
  /** INVITE → 200 OK, one entry per answered call, in ms. */
  answerMs: number[];
  wallMs: number;
  /** First lines of sipp's error file, when calls failed. */
  errors: string[];
  dir: string;
}

export interface RunningLoad {
  pid: number | undefined;
  done: Promise<LoadResult>;
  kill(): void;
}

/** Calls per second: reach the level in ~80 % of a call's length, then sipp's -l holds it there. */
export const rampRate = (spec: Pick<LoadSpec, 'level' | 'holdMs'>) => (spec.level / (spec.holdMs / 1000)) * 1.25;

export async function startLoad(spec: LoadSpec): Promise<RunningLoad> {
  const dir = mkdtempSync(join(spec.workDir, 'sipp-'));
  const scenario = join(dir, 'caller.xml');
  writeFileSync(scenario, benchCaller(spec));
  const port = await freeUdpBlock(2);
  const mediaPort = await freeUdpBlock(4);
  const calls = Math.round(spec.level * spec.callsPerSlot);
  if (spec.sdpPorts && spec.sdpPorts.length < calls) throw new Error(`${calls} calls but ${spec.sdpPorts.length} SDP ports`);
  const perCallPorts = spec.sdpPorts ? ['-inf', writePortsFile(dir, spec.sdpPorts)] : [];
  const expectedS = (spec.holdMs / 1000) * (spec.callsPerSlot + 1);
  const args = [
    `${spec.target.host}:${spec.target.port}`,
    '-sf',
    scenario,
    '-s',
    '0184000000',
    '-l',
    String(spec.level),
    '-r',
    rampRate(spec).toFixed(2),
    '-rp',
    '1000',
    '-m',
    String(calls),
    '-p',
    String(port),
    '-cp',
    String(port + 1),
    '-mp',
    String(mediaPort),
    // An unanswered INVITE or a lost BYE fails its call instead of holding a slot.
    '-recv_timeout',
    '10000',
    '-timeout',
    `${Math.ceil(expectedS * 2 + 60)}s`,
    '-timeout_error',
    '-trace_stat',
    '-stf',
    join(dir, 'stat.csv'),
    '-fd',
    '1',
    // sipp writes response times in batches of -rtt_freq and drops the last partial batch: 1 keeps them all.
    '-trace_rtt',
    '-rtt_freq',
    '1',
    '-trace_err',
    '-error_file',
    join(dir, 'errors.log'),
    '-nostdin',
    ...perCallPorts,
  ];
  const started = Date.now();
  // sipp writes its rtt file in its working directory.
  const child = spawn('sipp', args, { cwd: dir, stdio: 'ignore' });
  const done = new Promise<LoadResult>((resolve) => {
    const finish = (exitCode: number | null, spawnError?: string) =>
      resolve({ ...readResults(dir, spawnError), exitCode, wallMs: Date.now() - started, dir });
    child.once('exit', (code) => finish(code));
    child.once('error', (err) => finish(-1, err.message));
  });
  return { pid: child.pid, done, kill: () => child.kill('SIGKILL') };
}

function readResults(dir: string, spawnError?: string): Omit<LoadResult, 'exitCode' | 'wallMs' | 'dir'> {
  const stat = parseStat(join(dir, 'stat.csv'));
  const rtt = readdirSync(dir).find((f) => f.endsWith('_rtt.csv'));
  const errFile = join(dir, 'errors.log');
  const errors = existsSync(errFile)
    ? readFileSync(errFile, 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .slice(0, 6)
    : [];
  if (spawnError) errors.unshift(spawnError);
  return { ...stat, answerMs: rtt ? parseRtt(join(dir, rtt)) : [], errors };
}

/** sipp's -trace_stat file: `;`-separated, one row per second; counters ending in (C) are cumulative. */
function parseStat(file: string): { successful: number; failed: number; maxConcurrent: number } {
  if (!existsSync(file)) return { successful: 0, failed: 0, maxConcurrent: 0 };
  const [header, ...rows] = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim());
  const cols = (header ?? '').split(';');
  const at = (name: string) => cols.indexOf(name);
  const table = rows.map((r) => r.split(';'));
  const last = table.at(-1) ?? [];
  const num = (row: string[], name: string) => Number(row[at(name)] ?? 0) || 0;
  return {
    successful: num(last, 'SuccessfulCall(C)'),
    failed: num(last, 'FailedCall(C)'),
    maxConcurrent: Math.max(0, ...table.map((r) => num(r, 'CurrentCall'))),
  };
}

/** sipp's -trace_rtt file: `date_ms;response_time_ms;rtd_no` per call (whole ms: sipp's clock ticks in ms). */
function parseRtt(file: string): number[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => Number(l.split(';')[1]))
    .filter((n) => Number.isFinite(n));
}

/** sipp's injection file: call n takes line n, whose port the SDP names as [field0]. */
function writePortsFile(dir: string, ports: readonly number[]): string {
  const file = join(dir, 'ports.csv');
  writeFileSync(file, `SEQUENTIAL\n${ports.map((p) => `${p};`).join('\n')}\n`);
  return file;
}

/** Anything but the expected messages (a BYE from Asterisk during the pause, a 5xx) fails the call. */
function benchCaller(spec: LoadSpec): string {
  const { digit } = spec;
  const steps = digit
    ? [{ pause: digit.atMs }, { pause: Math.max(0, spec.holdMs - digit.atMs) }, { hangup: true as const }]
    : [{ pause: spec.holdMs }, { hangup: true as const }];
  let xml = callerScenario(spec.from, steps, undefined, {
    measureAnswer: true,
    ...(spec.sdpPorts ? {} : { sdpMediaPort: spec.sdpMediaPort }),
  });
  if (spec.sdpPorts) xml = replaceOnce(xml, 'm=audio [media_port] ', 'm=audio [field0] ');
  if (digit) {
    const pause = `<pause milliseconds="${digit.atMs}"/>`;
    xml = replaceOnce(xml, pause, `${pause}\n${infoDigit(digit.key)}`);
  }
  return xml;
}

/**
 * A key pressed as a SIP INFO, not as RFC 4733 RTP events: the trunk has rtp_symmetric, so RTP
 * sent from sipp's media port would make Asterisk send the caller's audio there instead of to the
 * port in the SDP, where it is counted.
 */
function infoDigit(key: string): string {
  return `<send retrans="500"><![CDATA[
INFO [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[last_From:]
[last_To:]
[last_Call-ID:]
CSeq: [cseq] INFO
Max-Forwards: 70
Content-Type: application/dtmf-relay
Content-Length: [len]

Signal=${key}
Duration=160
]]></send>
<recv response="200"/>`;
}

function replaceOnce(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`"${from}" not found in the caller scenario`);
  return text.replace(from, to);
}
