/**
 * Xero's API limits (developer.xero.com/faq/limits): per organisation 60 calls a minute, 5 in flight,
 * 5,000 a day; 10,000 a minute per app. The window lengths scale so benchmarks can compress time.
 */
export interface RateLimitOptions {
  readonly perMinute: number;
  readonly perDay: number;
  readonly concurrent: number;
  readonly appPerMinute: number;
  /** Length of Xero's "minute". */
  readonly windowMs: number;
  /** Length of Xero's "day"; defaults to 1,440 windows. */
  readonly dayMs: number;
}

export type LimitProblem = "minute" | "day" | "concurrent";

export type Admission =
  | { readonly ok: true; readonly headers: Record<string, string>; release(): void }
  | {
      readonly ok: false;
      readonly problem: LimitProblem;
      readonly retryAfterSeconds: number;
      readonly headers: Record<string, string>;
    };

export class RateLimiter {
  private readonly minute = new Map<string, number[]>();
  private readonly day = new Map<string, number[]>();
  private readonly inFlight = new Map<string, number>();
  private appMinute: number[] = [];

  constructor(
    readonly options: RateLimitOptions,
    private readonly now: () => number,
  ) {}

  private recent(list: number[], span: number, at: number): number[] {
    return list.filter((time) => time > at - span);
  }

  admit(tenantId: string): Admission {
    const at = this.now();
    const { perMinute, perDay, concurrent, appPerMinute, windowMs, dayMs } = this.options;
    const minute = this.recent(this.minute.get(tenantId) ?? [], windowMs, at);
    const day = this.recent(this.day.get(tenantId) ?? [], dayMs, at);
    this.appMinute = this.recent(this.appMinute, windowMs, at);
    this.minute.set(tenantId, minute);
    this.day.set(tenantId, day);
    const headers = (): Record<string, string> => ({
      "X-MinLimit-Remaining": String(Math.max(0, perMinute - minute.length)),
      "X-DayLimit-Remaining": String(Math.max(0, perDay - day.length)),
      "X-AppMinLimit-Remaining": String(Math.max(0, appPerMinute - this.appMinute.length)),
    });
    const wait = (oldest: number | undefined, span: number) => Math.max(1, Math.ceil(((oldest ?? at) + span - at) / 1000));
    if (day.length >= perDay) return { ok: false, problem: "day", retryAfterSeconds: wait(day[0], dayMs), headers: headers() };
    if (minute.length >= perMinute || this.appMinute.length >= appPerMinute) {
      const oldest = minute.length >= perMinute ? minute[0] : this.appMinute[0];
      return { ok: false, problem: "minute", retryAfterSeconds: wait(oldest, windowMs), headers: headers() };
    }
    const flying = this.inFlight.get(tenantId) ?? 0;
    if (flying >= concurrent) return { ok: false, problem: "concurrent", retryAfterSeconds: 1, headers: headers() };
    minute.push(at);
    day.push(at);
    this.appMinute.push(at);
    this.inFlight.set(tenantId, flying + 1);
    let released = false;
    return {
      ok: true,
      headers: headers(),
      release: () => {
        if (released) return;
        released = true;
        this.inFlight.set(tenantId, (this.inFlight.get(tenantId) ?? 1) - 1);
      },
    };
  }
}
