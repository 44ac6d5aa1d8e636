/**
 * Real SIP peers for tests, played by sipp (Debian's sip-tester): a caller coming from the ISP
 * trunk, and a staff phone that registers, rings and answers. Scenarios are generated from a few
 * steps so each test says what the peer does, in order.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newDtmfStream, writeDtmfPcap } from './dtmf-pcap.ts';

const PCAPS = '/usr/share/sip-tester';
/** ~7 s of G.711 a-law speech shipped with sip-tester: what a peer "says". */
export const SPEECH_PCAP = `${PCAPS}/g711a.pcap`;

export type PeerStep =
  | { pause: number }
  /** RFC 2833 digits, one after the other. */
  | { dtmf: string }
  /** Send a few seconds of speech (RTP) while going on with the next steps. */
  | { speak: true }
  /** Send the RTP of this pcap file (e.g. speech-pcap.ts's longer speech) while going on with the next steps. */
  | { play: string }
  | { hangup: true }
  /** Wait until the other side hangs up. */
  | { waitBye: true };

export interface SippResult {
  code: number | null;
  /** First lines of SIP messages, in order, prefixed with "<" (received) or ">" (sent). */
  messages: string[];
  errors: string;
}

export interface SippPeer {
  /** Local SIP port. */
  port: number;
  /** Local RTP port (what it receives on). */
  mediaPort: number;
  done: Promise<SippResult>;
  /** SIP messages so far (for "did it ring?" checks while it runs). */
  messages(): string[];
  /** Requests received so far, with their time and caller (number, and display name if any). */
  received(method: string): ReceivedRequest[];
  kill(): void;
}

export interface SippPhone extends SippPeer {
  /** Stops the phone and removes its registration. */
  unregister(): Promise<void>;
}

interface Target {
  host: string;
  port: number;
}

const sdp = `v=0
o=relais-test 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 8 101
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=sendrecv
`;

/** Dialog headers of a request we send: as received in a dialog we placed, swapped in one we answered. */
function dialogHeaders(role: 'uac' | 'uas'): string {
  return role === 'uac' ? '[last_From:]\n[last_To:]' : 'From: [$local_party];tag=[pid]phone[call_number]\nTo: [$remote_party]';
}

/** Writes the pcap of some digits for this call and returns its path. */
export type DtmfFiles = (digits: string) => string;

function stepXml(step: PeerStep, role: 'uac' | 'uas', dtmfFile: DtmfFiles): string {
  if ('pause' in step) return `<pause milliseconds="${step.pause}"/>`;
  if ('speak' in step) return `<nop><action><exec play_pcap_audio="${SPEECH_PCAP}"/></action></nop>`;
  if ('play' in step) return `<nop><action><exec play_pcap_audio="${step.play}"/></action></nop>`;
  if ('dtmf' in step) {
    const file = dtmfFile(step.dtmf);
    return `<nop><action><exec play_pcap_audio="${file}"/></action></nop><pause milliseconds="${step.dtmf.length * 300 + 100}"/>`;
  }
  if ('hangup' in step) {
    // In a dialog we answered (uas), the remote target is the caller's Contact, learnt with the INVITE.
    const uri = role === 'uac' ? '[next_url]' : '[$contact]';
    return `<send retrans="500"><![CDATA[
BYE ${uri} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
${dialogHeaders(role)}
[last_Call-ID:]
CSeq: [cseq] BYE
Max-Forwards: 70
Content-Length: 0

]]></send>
<recv response="200"/>`;
  }
  return `<recv request="BYE"/>
<send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>`;
}

export interface CallerScenarioOptions {
  /** Time INVITE→200 OK with sipp's response-time measure (`-trace_rtt`), for benchmarks. */
  measureAnswer?: boolean;
  /** The RTP port offered in the SDP, when it is not sipp's own media port. */
  sdpMediaPort?: number;
  /** A staff phone calling: answer the digest challenge (credentials from sipp's -au/-ap). */
  authenticate?: boolean;
}

/** A call from the ISP trunk: INVITE to `[service]` from `from`, then the steps. */
export function callerScenario(from: string, steps: PeerStep[], dtmfFile: DtmfFiles = noDtmf, opts: CallerScenarioOptions = {}): string {
  const offer = opts.sdpMediaPort ? sdp.replace('[media_port]', String(opts.sdpMediaPort)) : sdp;
  const invite = (cseq: number, auth: string) => `<send retrans="500"${opts.measureAnswer ? ' start_rtd="invite"' : ''}><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:${from}@[local_ip]:[local_port]>;tag=[pid]caller[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: ${cseq} INVITE
Contact: <sip:${from}@[local_ip]:[local_port]>
${auth}Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

${offer}
]]></send>`;
  // Challenged: ACK the 401 (same transaction: its Via), then INVITE again with credentials.
  const challenge = `<recv response="100" optional="true"/>
<recv response="401" auth="true"/>
<send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
${invite(2, '[authentication]\n')}`;
  const cseq = opts.authenticate ? 2 : 1;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="caller">
${invite(1, '')}
${opts.authenticate ? challenge : ''}
<recv response="100" optional="true"/>
<recv response="180" optional="true"/>
<recv response="183" optional="true"/>
<recv response="200" rrs="true"${opts.measureAnswer ? ' rtd="invite"' : ''}/>
<send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[last_From:]
[last_To:]
[last_Call-ID:]
CSeq: ${cseq} ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
${steps.map((s) => stepXml(s, 'uac', dtmfFile)).join('\n')}
${opts.measureAnswer ? '<ResponseTimeRepartition value="50, 100, 200, 500, 1000, 2000"/>' : ''}
</scenario>`;
}

/** An INVITE that must be refused with a 4xx (unknown source, unknown number): ACK it and stop. */
function refusedScenario(from: string): string {
  const ack = `<send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>`;
  return callerScenario(from, []).replace(
    /<recv response="100"[\s\S]*$/,
    `<recv response="100" optional="true"/>
<recv response="401" optional="true" next="refused"/>
<recv response="403" optional="true" next="refused"/>
<recv response="404" next="refused"/>
<label id="refused"/>
${ack}
</scenario>`,
  );
}

/** REGISTER with digest auth, then stay registered `lifetimeMs`; `expires` 0 removes the contact instead. */
function registerScenario(lifetimeMs: number, expires = 600): string {
  const register = (cseq: number, auth: string) => `<send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[service]@[remote_ip]>;tag=[pid]reg[call_number]
To: <sip:[service]@[remote_ip]>
Call-ID: [call_id]
CSeq: ${cseq} REGISTER
Contact: <sip:[service]@[local_ip]:[local_port]>
${auth}Max-Forwards: 70
Expires: ${expires}
Content-Length: 0

]]></send>`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="phone registration">
${register(1, '')}
<recv response="401" auth="true"/>
${register(2, '[authentication]\n')}
<recv response="200"/>
${lifetimeMs > 0 ? `<pause milliseconds="${lifetimeMs}"/>` : ''}
</scenario>`;
}

/**
 * What the phone does with each incoming call (sipp's out-of-call scenario): ring, answer after
 * `answerAfterMs` (or never: it rings until the caller gives up), then the steps.
 */
function phoneCallScenario(answerAfterMs: number | null, steps: PeerStep[], dtmfFile: DtmfFiles): string {
  // What a BYE of ours needs; sipp refuses variables that are set but never used, so only then.
  const remember = steps.some((s) => 'hangup' in s)
    ? `<action>
<ereg regexp="sip:[-a-zA-Z0-9@._:+]*" search_in="hdr" header="Contact:" assign_to="contact"/>
<ereg regexp=".*" search_in="hdr" header="From:" assign_to="remote_party"/>
<ereg regexp=".*" search_in="hdr" header="To:" assign_to="local_party"/>
</action>`
    : '';
  const ring = `<recv request="INVITE">${remember}</recv>
<send><![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=[pid]phone[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port]>
Content-Length: 0

]]></send>`;
  // CANCEL received: 200 to the CANCEL, 487 to the INVITE, then the caller's ACK.
  const cancelReply = `<send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]phone[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
<send><![CDATA[
SIP/2.0 487 Request Terminated
[last_Via:]
[last_From:]
[last_To:];tag=[pid]phone[call_number]
[last_Call-ID:]
CSeq: [cseq] INVITE
Content-Length: 0

]]></send>
<recv request="ACK"/>`;
  if (answerAfterMs === null)
    return `<?xml version="1.0" encoding="ISO-8859-1" ?><scenario name="phone that never answers">${ring}<recv request="CANCEL"/>${cancelReply}</scenario>`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="phone that answers">
${ring}
<recv request="CANCEL" next="cancelled" timeout="${Math.max(answerAfterMs, 1)}" ontimeout="answer"/>
<label id="answer"/>
<send retrans="500"><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]phone[call_number]
[last_Call-ID:]
CSeq: [cseq] INVITE
Contact: <sip:[local_ip]:[local_port]>
Content-Type: application/sdp
Content-Length: [len]

${sdp}
]]></send>
<recv request="ACK"/>
${steps.map((s) => stepXml(s, 'uas', dtmfFile)).join('\n')}
<nop next="end"/>
<label id="cancelled"/>
${cancelReply}
<label id="end"/>
</scenario>`;
}

const noDtmf: DtmfFiles = () => {
  throw new Error('this scenario sends no digits');
};

/** One RTP stream of digits per scenario, so timestamps only move forward across its DTMF steps. */
function dtmfFiles(dir: string): DtmfFiles {
  const stream = newDtmfStream();
  let n = 0;
  return (digits) => {
    const file = join(dir, `dtmf-${n++}.pcap`);
    writeDtmfPcap(file, digits, stream);
    return file;
  };
}

function run(args: string[], dir: string, port: number, mediaPort: number): SippPeer {
  const msgFile = join(dir, 'messages.log');
  const errFile = join(dir, 'errors.log');
  const child: ChildProcess = spawn(
    'sipp',
    [
      ...args,
      '-p',
      String(port),
      '-mp',
      String(mediaPort),
      '-cp',
      String(port + 1),
      '-nostdin',
      '-trace_msg',
      '-message_file',
      msgFile,
      '-trace_err',
      '-error_file',
      errFile,
    ],
    { stdio: 'ignore' },
  );
  const log = () => (existsSync(msgFile) ? readFileSync(msgFile, 'utf8') : '');
  const messages = () => parseMessages(log());
  const done = new Promise<SippResult>((resolve) => {
    child.once('exit', (code) => resolve({ code, messages: messages(), errors: existsSync(errFile) ? readFileSync(errFile, 'utf8') : '' }));
    child.once('error', (err) => resolve({ code: -1, messages: [], errors: err.message }));
  });
  return { port, mediaPort, done, messages, received: (method) => receivedRequests(log(), method), kill: () => child.kill('SIGKILL') };
}

/** A call from the ISP: INVITE to `dialled`, then the steps. */
export function callIn(opts: {
  target: Target;
  dialled: string;
  from: string;
  port: number;
  mediaPort: number;
  steps: PeerStep[];
  timeoutMs?: number;
  /** Call as a staff phone (digest authentication) instead of from the trunk. */
  auth?: { user: string; password: string };
}): SippPeer {
  const dir = mkdtempSync(join(tmpdir(), 'relais-sipp-'));
  writeFileSync(join(dir, 'caller.xml'), callerScenario(opts.from, opts.steps, dtmfFiles(dir), { authenticate: Boolean(opts.auth) }));
  return run(
    [
      ...(opts.auth ? ['-au', opts.auth.user, '-ap', opts.auth.password] : []),
      `${opts.target.host}:${opts.target.port}`,
      '-sf',
      join(dir, 'caller.xml'),
      '-s',
      opts.dialled,
      '-m',
      '1',
      '-timeout',
      `${Math.ceil((opts.timeoutMs ?? 60_000) / 1000)}s`,
      '-timeout_error',
    ],
    dir,
    opts.port,
    opts.mediaPort,
  );
}

/** An INVITE from `bindIp` that Asterisk must refuse (succeeds only on a 401, 403 or 404). */
export function callRefused(opts: {
  target: Target;
  dialled: string;
  from: string;
  port: number;
  mediaPort: number;
  bindIp?: string;
}): SippPeer {
  const dir = mkdtempSync(join(tmpdir(), 'relais-sipp-'));
  writeFileSync(join(dir, 'refused.xml'), refusedScenario(opts.from));
  const bind = opts.bindIp ? ['-i', opts.bindIp] : [];
  return run(
    [
      `${opts.target.host}:${opts.target.port}`,
      '-sf',
      join(dir, 'refused.xml'),
      '-s',
      opts.dialled,
      '-m',
      '1',
      ...bind,
      '-timeout',
      '20s',
      '-timeout_error',
    ],
    dir,
    opts.port,
    opts.mediaPort,
  );
}

/**
 * A staff phone: registers as `user`, answers OPTIONS (qualify) and handles every incoming call
 * with `answerAfterMs` (null: never answers) and the steps. Lives `lifetimeMs` or until killed.
 */
export function phone(opts: {
  target: Target;
  user: string;
  password: string;
  port: number;
  mediaPort: number;
  answerAfterMs: number | null;
  steps: PeerStep[];
  lifetimeMs?: number;
}): SippPhone {
  const dir = mkdtempSync(join(tmpdir(), 'relais-sipp-'));
  writeFileSync(join(dir, 'register.xml'), registerScenario(opts.lifetimeMs ?? 120_000));
  writeFileSync(join(dir, 'call.xml'), phoneCallScenario(opts.answerAfterMs, opts.steps, dtmfFiles(dir)));
  writeFileSync(join(dir, 'unregister.xml'), registerScenario(0, 0));
  const auth = ['-s', opts.user, '-au', opts.user, '-ap', opts.password, '-m', '1'];
  const target = `${opts.target.host}:${opts.target.port}`;
  const peer = run(
    [target, '-sf', join(dir, 'register.xml'), '-oocsf', join(dir, 'call.xml'), ...auth, '-aa'],
    dir,
    opts.port,
    opts.mediaPort,
  );
  return {
    ...peer,
    // Unplugged phones stay "online" in Asterisk until their registration expires: remove it,
    // from the same address, so the next test starts with only the phones it registers. On the
    // phone's own media ports, free once it exited: sipp binds two pairs from there (audio, video),
    // and ports past the block the caller reserved may be someone else's by now.
    async unregister() {
      peer.kill();
      await peer.done;
      const r = await run(
        [target, '-sf', join(dir, 'unregister.xml'), ...auth],
        mkdtempSync(join(tmpdir(), 'relais-sipp-')),
        opts.port,
        opts.mediaPort,
      ).done;
      if (r.code !== 0) throw new Error(`unregistering ${opts.user} failed: ${r.errors}`);
    },
  };
}

/**
 * A customer's phone reached through the trunk (a callback): takes `calls` incoming calls one
 * after the other, each answered after `answerAfterMs` (null: rings until cancelled), then the steps.
 */
export function customerPhone(opts: {
  port: number;
  mediaPort: number;
  answerAfterMs: number | null;
  steps: PeerStep[];
  calls: number;
  timeoutMs?: number;
}): SippPeer {
  const dir = mkdtempSync(join(tmpdir(), 'relais-sipp-'));
  writeFileSync(join(dir, 'call.xml'), phoneCallScenario(opts.answerAfterMs, opts.steps, dtmfFiles(dir)));
  const timeout = `${Math.ceil((opts.timeoutMs ?? 120_000) / 1000)}s`;
  return run(
    ['-sf', join(dir, 'call.xml'), '-m', String(opts.calls), '-timeout', timeout, '-timeout_error'],
    dir,
    opts.port,
    opts.mediaPort,
  );
}

export interface ReceivedRequest {
  at: number;
  /** The From header's user: the caller's number. */
  from: string;
  /** The From header's display name ("Marie Dupont (premium)"), or ''. */
  name: string;
}

/** Requests of `method` the peer received: when, and who from. */
export function receivedRequests(log: string, method: string): ReceivedRequest[] {
  const out: ReceivedRequest[] = [];
  for (const block of log.split(/^-{20,} /m)) {
    const m = /^(\d{4}-\d{2}-\d{2} [\d:.]+)\nUDP message received[^\n]*\n\n(\S+) /.exec(block);
    if (!m || m[2] !== method) continue;
    const from = /^From:[^<]*<sip:([^@>;]+)/m.exec(block)?.[1] ?? '';
    const name = /^From:\s*"((?:[^"\\]|\\.)*)"/m.exec(block)?.[1] ?? '';
    out.push({ at: Date.parse(`${m[1]!.replace(' ', 'T')}Z`), from, name });
  }
  return out;
}

/** Reads sipp's -trace_msg file into "<INVITE sip:..." / ">SIP/2.0 200 OK" lines. */
export function parseMessages(log: string): string[] {
  const out: string[] = [];
  const re = /^UDP message (sent|received)[^\n]*\n\n([^\n]+)/gm;
  for (const m of log.matchAll(re)) out.push(`${m[1] === 'sent' ? '>' : '<'}${m[2]!.trim()}`);
  return out;
}
