/**
 * Every accounting call of one connection goes through here: pacing (5 in flight, pause when Xero
 * says the minute is spent), a fresh access token from the TokenProvider, one retry after a 401 with
 * the token `rejected()` gives back, a timeout, and errors mapped to RelanceError.
 *
 * Each call gets its own AccountingApi: the SDK keeps the access token as instance state, and calls
 * of one connection run concurrently, so a shared instance could send a token another call just set.
 */
import { type Clock, type Logger, RelanceError, type TokenProvider } from "@relance/core";
import { AccountingApi } from "xero-node";
import { rateLimitWait, readFailure, toRelanceError } from "./errors";
import { Pacer } from "./pacer";
import type { XeroApp } from "./settings";

const CONCURRENCY = 5;

export interface ApiResponse<T> {
  readonly body: T;
  /** Lower-cased response headers. */
  readonly headers: Readonly<Record<string, string>>;
}

export type SdkCall<T> = (api: AccountingApi) => Promise<{ readonly response: unknown; readonly body: T }>;

function headersOf(response: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  if (typeof response !== "object" || response === null || !("headers" in response)) return headers;
  const raw = response.headers;
  if (typeof raw !== "object" || raw === null) return headers;
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === "string" || typeof value === "number") headers[key.toLowerCase()] = String(value);
  }
  return headers;
}

export interface XeroClientDeps {
  readonly app: XeroApp;
  readonly tenantId: string;
  readonly tokens: TokenProvider | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Injected so tests can observe pauses without waiting; defaults to setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export class XeroAccountingClient {
  private readonly pacer: Pacer;
  private readonly basePath: string;

  constructor(private readonly deps: XeroClientDeps) {
    const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    this.pacer = new Pacer(CONCURRENCY, () => deps.clock.now().getTime(), sleep);
    this.basePath = `${deps.app.apiBaseUrl}/api.xro/2.0`;
  }

  get tenantId(): string {
    return this.deps.tenantId;
  }

  call<T>(action: string, run: SdkCall<T>): Promise<ApiResponse<T>> {
    return this.pacer.run(() => this.attempt(action, run));
  }

  private async attempt<T>(action: string, run: SdkCall<T>): Promise<ApiResponse<T>> {
    const tokens = this.deps.tokens;
    if (!tokens) throw new RelanceError("misconfigured", "the Xero connection has no OAuth tokens: connect it first");
    let token = await tokens.accessToken();
    for (let attempt = 0; ; attempt++) {
      const api = new AccountingApi(this.basePath);
      api.accessToken = token;
      try {
        const result = await this.withTimeout(run(api), action);
        const headers = headersOf(result.response);
        this.noteLimits(headers);
        return { body: result.body, headers };
      } catch (error) {
        if (error instanceof RelanceError) throw error;
        const failure = readFailure(error);
        if (failure.status === 401 && attempt === 0) {
          token = await tokens.rejected(token);
          continue;
        }
        if (failure.status === 429) {
          this.pacer.pauseUntil(this.deps.clock.now().getTime() + rateLimitWait(failure.headers).waitMs);
        } else this.noteLimits(failure.headers);
        throw toRelanceError(failure, action);
      }
    }
  }

  /** Xero counts a rolling minute; once it reports none left, the next call waits until the window has room. */
  private noteLimits(headers: Readonly<Record<string, string>>): void {
    if (headers["x-minlimit-remaining"] === "0") {
      this.deps.logger.info({ tenantId: this.deps.tenantId }, "Xero minute limit used up: pausing calls");
      this.pacer.pauseUntil(this.pacer.windowReopensAt(this.deps.app.rateWindowMs));
    }
  }

  private withTimeout<T>(promise: Promise<T>, action: string): Promise<T> {
    const ms = this.deps.app.httpTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new RelanceError("provider_unavailable", `Xero did not answer ${action} within ${ms} ms`, { retryable: true })),
        ms,
      );
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}
