/**
 * Starts, watches and stops one Asterisk instance. Asterisk runs detached from Relais: restarting
 * Relais (a deploy, a crash) must not drop the calls in progress, so a running instance is
 * adopted (and reloaded if its configuration changed) rather than restarted.
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { AriEndpoint } from './ari-http.ts';
import type { Instance } from './instance.ts';
import { AsteriskError } from './errors.ts';

const START_DEADLINE_MS = 30_000;
const STOP_DEADLINE_MS = 10_000;

export function ariEndpointOf(inst: Instance): AriEndpoint {
  const a = inst.config.asterisk;
  const host = a.httpBind === '0.0.0.0' ? '127.0.0.1' : a.httpBind;
  return { url: `http://${host}:${a.httpPort}`, username: a.ari.username, password: a.ari.password };
}

/** GET /ari/asterisk/ping with a short deadline: true when this instance's ARI answers us. */
export async function ariAnswers(ari: AriEndpoint, timeoutMs = 1000): Promise<boolean> {
  try {
    const res = await fetch(`${ari.url}/ari/asterisk/ping`, {
      headers: { authorization: `Basic ${Buffer.from(`${ari.username}:${ari.password}`).toString('base64')}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

const WATCH_INTERVAL_MS = 2000;

export class AsteriskSupervisor {
  private readonly ari: AriEndpoint;
  private watchTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly inst: Instance,
    private readonly log: Logger,
  ) {
    this.ari = ariEndpointOf(inst);
  }

  /** The pid of this instance's running Asterisk, from its pid file, if the process is alive. */
  runningPid(): number | undefined {
    let pid: number;
    try {
      pid = Number(readFileSync(`${this.inst.hostDirs.run}/asterisk.pid`, 'utf8').trim());
    } catch {
      return undefined;
    }
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    try {
      process.kill(pid, 0);
      return pid;
    } catch {
      return undefined;
    }
  }

  /**
   * Makes sure the instance runs with its current configuration: adopts a running one (reloading
   * it when `configChanged`), otherwise starts it, then waits until ARI answers.
   */
  async ensureRunning(configChanged: boolean): Promise<'adopted' | 'reloaded' | 'started'> {
    const pid = this.runningPid();
    if (pid && (await ariAnswers(this.ari))) {
      if (!configChanged) return 'adopted';
      await this.cli('core reload');
      this.log.info({ pid }, 'asterisk configuration reloaded');
      return 'reloaded';
    }
    if (pid) await this.stop(); // alive but not answering us: stale or from an older configuration
    await this.start();
    return 'started';
  }

  async start(): Promise<void> {
    if (this.inst.config.asterisk.install === 'chroot') ensureProcMounted(this.inst.hostRoot);
    const { cmd, args } = this.command(['-f']);
    mkdirSync(this.inst.hostDirs.log, { recursive: true });
    const out = openSync(`${this.inst.hostDirs.log}/console.log`, 'a');
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', out, out] });
    closeSync(out);
    let exited: string | undefined;
    child.once('exit', (code, signal) => (exited = `exited with ${signal ?? code}`));
    child.once('error', (err) => (exited = err.message));
    child.unref();

    const deadline = Date.now() + START_DEADLINE_MS;
    while (!(await ariAnswers(this.ari))) {
      if (exited) throw new AsteriskError('ARI_ERR_START', `Asterisk ${exited}; see ${this.inst.hostDirs.log}/console.log`);
      if (Date.now() > deadline) {
        throw new AsteriskError('ARI_ERR_START', `Asterisk's ARI did not answer on ${this.ari.url} within ${START_DEADLINE_MS / 1000} s`);
      }
      await sleep(100);
    }
    this.log.info({ pid: child.pid, ari: this.ari.url }, 'asterisk started');
  }

  /** Stops the instance (SIGTERM is Asterisk's "core stop now"), killing it after a deadline. */
  async stop(): Promise<void> {
    const pid = this.runningPid();
    if (!pid) return;
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + STOP_DEADLINE_MS;
    while (alive(pid)) {
      if (Date.now() > deadline) {
        process.kill(pid, 'SIGKILL');
        this.log.warn({ pid }, 'asterisk did not stop in time: killed');
        break;
      }
      await sleep(50);
    }
    this.log.info({ pid }, 'asterisk stopped');
  }

  /**
   * While Relais runs, an Asterisk that dies (crash, OOM kill) is started again. Its calls are
   * lost with it; new calls must not be.
   */
  watch(): void {
    if (this.watchTimer) return;
    const check = async () => {
      if (!this.runningPid()) {
        this.log.error('asterisk is not running: starting it again');
        await this.start().catch((err) => this.log.error({ err }, 'asterisk restart failed; will retry'));
      }
      if (this.watchTimer) this.watchTimer = setTimeout(check, WATCH_INTERVAL_MS);
    };
    this.watchTimer = setTimeout(check, WATCH_INTERVAL_MS);
  }

  unwatch(): void {
    clearTimeout(this.watchTimer);
    this.watchTimer = undefined;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Runs one CLI command on the running instance (`asterisk -rx`). */
  cli(command: string): Promise<string> {
    const { cmd, args } = this.command(['-rx', command]);
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.once('error', reject);
      child.once('exit', (code) =>
        code === 0
          ? resolve(out)
          : reject(new AsteriskError('ARI_ERR_CLI', `asterisk -rx '${command}' exited with ${code}: ${out.trim()}`)),
      );
    });
  }

  private command(extra: string[]): { cmd: string; args: string[] } {
    const args = ['-C', `${this.inst.dirs.etc}/asterisk.conf`, ...extra];
    return this.inst.config.asterisk.install === 'chroot'
      ? { cmd: 'chroot', args: [this.inst.hostRoot, '/usr/sbin/asterisk', ...args] }
      : { cmd: 'asterisk', args };
  }
}

/** Asterisk reads /proc (CPU count, its own status); a chroot has it only after a mount, lost on reboot. */
function ensureProcMounted(root: string): void {
  if (existsSync(`${root}/proc/self`)) return;
  execFileSync('mount', ['-t', 'proc', 'proc', `${root}/proc`]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
