/**
 * Relais' own origins: where its pages (the console, the agents' page) are served from. A request
 * that a session cookie authenticates must come from one of them (defence in depth beside
 * SameSite=Strict, which sibling subdomains such as a shop on the same site get around).
 */
import type { Config } from '../../config/load.ts';

export function ownOrigins(config: Config): string[] {
  const { host, port, origins } = config.server;
  return [...new Set([`http://${host}:${port}`, `http://localhost:${port}`, `http://127.0.0.1:${port}`, ...origins])];
}
