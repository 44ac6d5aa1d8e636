/**
 * Logs a remote service's failures once per outage, not once per call: the first failure (with
 * its reason), then nothing until it works again, then one line with how many requests failed.
 */
import type { Logger } from 'pino';

export class OutageLog {
  private failures = 0;
  private since = 0;

  constructor(
    private readonly log: Logger,
    private readonly service: string,
  ) {}

  get failing(): boolean {
    return this.failures > 0;
  }

  failed(err: Error & { kind?: string }): void {
    if (this.failures++ === 0) {
      this.since = Date.now();
      this.log.warn({ service: this.service, kind: err.kind, err: err.message }, `${this.service} unavailable: going on without it`);
    }
  }

  ok(): void {
    if (this.failures === 0) return;
    this.log.info({ service: this.service, failed: this.failures, forMs: Date.now() - this.since }, `${this.service} answers again`);
    this.failures = 0;
  }
}
