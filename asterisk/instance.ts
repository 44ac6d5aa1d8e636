/**
 * An Asterisk instance: its own etc/run/spool/log folders, so several run side by side from one
 * installation (the demo, each test suite, a benchmark). Writes the rendered files; the process
 * itself is the supervisor's business.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync, readdirSync, renameSync } from 'node:fs';
import type { Config } from '../config/load.ts';
import { instanceDirs, renderAsteriskFiles, type InstanceDirs, type RenderOptions } from './render.ts';

/** Where instances live, as Asterisk sees the file system. */
const INSTANCES = '/var/lib/relais/instances';

export interface Instance {
  config: Config;
  /** Paths as Asterisk sees them (inside the chroot). */
  dirs: InstanceDirs;
  /** The same paths as Relais sees them. */
  hostDirs: InstanceDirs;
  /** Prefix that turns an Asterisk path into a host path ('' for a native install). */
  hostRoot: string;
}

export function instanceFor(config: Config): Instance {
  const hostRoot = config.asterisk.install === 'chroot' ? config.asterisk.chroot : '';
  const root = `${INSTANCES}/${config.asterisk.instance}`;
  return { config, dirs: instanceDirs(root), hostDirs: instanceDirs(hostRoot + root), hostRoot };
}

/**
 * Creates the instance's folders and writes its configuration. Returns true when a rendered file
 * changed, so a running Asterisk knows to reload.
 */
export function writeInstance(inst: Instance, opts: RenderOptions = {}): boolean {
  const h = inst.hostDirs;
  for (const d of [h.etc, h.run, h.spool, `${h.spool}/recording`, h.log, h.lib, `${h.lib}/keys`, h.cache, h.sounds]) {
    mkdirSync(d, { recursive: true });
  }
  // Start from Debian's stock files for everything Relais does not render (codecs, cli, ...).
  const stock = `${inst.hostRoot}/etc/asterisk`;
  if (existsSync(stock) && readdirSync(h.etc).length === 0) cpSync(stock, h.etc, { recursive: true });

  let changed = false;
  for (const [name, text] of Object.entries(renderAsteriskFiles(inst.config, inst.dirs, opts))) {
    const file = `${h.etc}/${name}`;
    if (existsSync(file) && readFileSync(file, 'utf8') === text) continue;
    // Rename over the old file: Asterisk reloading at that instant reads the old or the new file, never half.
    writeFileSync(`${file}.tmp`, text, { mode: 0o640 });
    renameSync(`${file}.tmp`, file);
    changed = true;
  }
  giveToAsteriskUser(inst);
  return changed;
}

/** Asterisk drops root for the `asterisk` user: it must own what it writes and read its config. */
function giveToAsteriskUser(inst: Instance): void {
  const { uid, gid } = asteriskUser(inst.hostRoot);
  execFileSync('chown', ['-R', `${uid}:${gid}`, inst.hostDirs.root]);
}

function asteriskUser(hostRoot: string): { uid: number; gid: number } {
  const line = readFileSync(`${hostRoot}/etc/passwd`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('asterisk:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (!uid || !gid) throw new Error(`no "asterisk" user in ${hostRoot}/etc/passwd: is Asterisk installed?`);
  return { uid: Number(uid), gid: Number(gid) };
}
