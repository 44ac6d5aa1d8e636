/**
 * Calls that arrive while the routing lock is busy wait for its next turn together and are served
 * in it at once: under load one turn (a few Redis round trips) serves many callers, where each
 * took a turn of its own (the limit of chat starts, bench/chat-load.ts). Order of arrival is kept.
 */
interface Arrival<I, O> {
  input: I;
  resolve: (out: O) => void;
  reject: (err: Error) => void;
}

export class SharedTurns<I, O> {
  private arrivals: Arrival<I, O>[] = [];
  private running = false;

  constructor(
    private readonly withLock: (fn: () => Promise<void>) => Promise<void>,
    /** Serves the inputs of one turn, answering each in order; a failure fails that turn's callers. */
    private readonly serve: (inputs: I[]) => Promise<O[]>,
    /** Most inputs in one turn. */
    private readonly most: number,
  ) {}

  join(input: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.arrivals.push({ input, resolve, reject });
      void this.run();
    });
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.arrivals.length) {
        await this.withLock(async () => {
          // Taken once the lock is ours: every arrival until then joins this turn.
          const turn = this.arrivals.splice(0, this.most);
          await this.serve(turn.map((a) => a.input)).then(
            (outs) => turn.forEach((a, i) => a.resolve(outs[i]!)),
            (err: Error) => turn.forEach((a) => a.reject(err)),
          );
        }).catch((err: Error) => this.arrivals.splice(0).forEach((a) => a.reject(err)));
      }
    } finally {
      this.running = false;
    }
  }
}
