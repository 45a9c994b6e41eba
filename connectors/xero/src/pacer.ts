/**
 * Client-side pacing for one connection: at most `concurrency` calls in flight (Xero allows 5 per
 * organisation), and a pause until a given time once Xero says the minute is used up, so the next
 * call waits instead of collecting a 429.
 */
export class Pacer {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private resumeAt = 0;
  /**
   * When recent calls were answered, oldest first. Xero's minute is rolling and counts a call when it
   * arrives, which is before its answer: a window after the answer is never too early.
   */
  private readonly answered: number[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}

  /**
   * When a rolling window of `windowMs` will have room again: a window after the oldest call that
   * still counts in it (not a window after now, which would wait longer than Xero asks).
   */
  windowReopensAt(windowMs: number): number {
    const now = this.now();
    while (this.answered.length > 0 && (this.answered[0] as number) <= now - windowMs) this.answered.shift();
    return (this.answered[0] ?? now) + windowMs;
  }

  /** No call starts before this time. */
  pauseUntil(time: number): void {
    this.resumeAt = Math.max(this.resumeAt, time);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      // A pause can start while we wait, so check until the clock is past it.
      for (let wait = this.resumeAt - this.now(); wait > 0; wait = this.resumeAt - this.now()) await this.sleep(wait);
      return await task();
    } finally {
      this.answered.push(this.now());
      if (this.answered.length > 1000) this.answered.shift();
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
