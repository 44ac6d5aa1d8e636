/**
 * Which mediasoup-worker binary Relais runs (DESIGN.md §3 and §6).
 *
 * mediasoup's postinstall downloads a prebuilt worker from GitHub; where GitHub is out of reach,
 * `video/install-worker.sh` (run by scripts/setup.sh) builds one from the package's sources against
 * Debian's libraries, into a cache outside the repository. This module only looks: it never builds.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { VideoError } from './errors.ts';

/** Where `video/install-worker.sh` puts its build: one directory per mediasoup version. */
const ROOT_CACHE = '/opt/relais/mediasoup-worker';

/**
 * The path of the mediasoup-worker to run, the first of:
 * 1. `MEDIASOUP_WORKER_BIN`, when set (it must then be executable);
 * 2. the prebuilt worker in node_modules (`mediasoup/worker/out/Release/mediasoup-worker`);
 * 3. the worker built by `video/install-worker.sh`: `/opt/relais/mediasoup-worker/<version>/`
 *    as root, else `<relaisHome>/mediasoup-worker/<version>/`.
 *
 * mediasoup reads `MEDIASOUP_WORKER_BIN` once, when it is first loaded, and has no other way to be
 * given a binary: set `process.env.MEDIASOUP_WORKER_BIN` to this path before importing `mediasoup`
 * (and import nothing that imports it earlier).
 *
 * @param relaisHome Relais' state directory ($RELAIS_HOME), where a non-root build is cached.
 * @throws VideoError `VIDEO_ERR_WORKER_MISSING`, naming the paths tried and the command to run.
 */
export function mediasoupWorkerBin(relaisHome: string): string {
  // The one process.env read outside config/ and server/main.ts: MEDIASOUP_WORKER_BIN is
  // mediasoup's own variable (its Worker reads it, and its postinstall skips the download when it
  // is set), so Relais follows it rather than defining a setting of its own.
  const fromEnv = process.env.MEDIASOUP_WORKER_BIN;
  if (fromEnv) {
    if (isExecutableFile(fromEnv)) return fromEnv;
    throw missing(`MEDIASOUP_WORKER_BIN=${fromEnv} is not an executable file.`);
  }
  const pkg = mediasoupPackageDir();
  const prebuilt = join(pkg, 'worker', 'out', 'Release', 'mediasoup-worker');
  if (isExecutableFile(prebuilt)) return prebuilt;
  const { version } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string };
  const cache = process.geteuid?.() === 0 ? ROOT_CACHE : join(relaisHome, 'mediasoup-worker');
  const built = join(cache, version, 'mediasoup-worker');
  if (isExecutableFile(built)) return built;
  throw missing(`No mediasoup-worker for mediasoup ${version}: tried ${prebuilt} (mediasoup's prebuilt) and ${built} (the local build).`);
}

function missing(what: string): VideoError {
  return new VideoError(
    'VIDEO_ERR_WORKER_MISSING',
    `${what} Run \`bash video/install-worker.sh\` (scripts/setup.sh does), or set MEDIASOUP_WORKER_BIN to a mediasoup-worker.`,
  );
}

/** node_modules/mediasoup: its package.json is not exported, its main is node/lib/index.js. */
function mediasoupPackageDir(): string {
  return dirname(dirname(dirname(createRequire(import.meta.url).resolve('mediasoup'))));
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
