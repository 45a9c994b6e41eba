/**
 * A fake of Intuit for QuickBooks Online on 127.0.0.1: the Accounting API v3 (query, cdc, batch,
 * reads, invoice create / sparse update, credit memo create, `requestid` idempotency), OAuth 2.0
 * (authorize with auto-consent, token with rotating refresh tokens, revoke), per-realm throttling, and
 * signed CloudEvents webhook deliveries.
 *
 * - API: `${apiBaseUrl}/v3/company/{realmId}/…`; point node-quickbooks at it with
 *   `qbo.endpoint = apiBaseUrl + "/v3/company/"`.
 * - OAuth under `oauthBaseUrl`: GET /connect/oauth2, POST /oauth2/v1/tokens/bearer, POST /v2/oauth2/tokens/revoke.
 * - Throttling per realm: `requestsPerWindow` per `windowMs` (Intuit: 500 per minute) and
 *   `maxConcurrent` in flight (Intuit: 10) → 429 with a ThrottleExceeded Fault. Intuit documents no
 *   Retry-After header on these, so none is sent unless `retryAfterSeconds` is set.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { handleApi } from "./quickbooks/api";
import { authenticationFault, fault, throttleFault } from "./quickbooks/faults";
import { FakeIntuitOAuth } from "./quickbooks/oauth";
import { FakeRealm } from "./quickbooks/realm";
import { cloudEvents, type FakeWebhookEvent, type SignedWebhook, signWebhookBody } from "./quickbooks/webhooks";

export type { EntityName, QboRecord } from "./quickbooks/ledger";
export type { CreditMemoSeed, CustomerSeed, InvoiceSeed, PaymentSeed } from "./quickbooks/realm";
export { FakeRealm } from "./quickbooks/realm";
export type { FakeWebhookEvent, SignedWebhook } from "./quickbooks/webhooks";

export interface FakeCall {
  readonly method: string;
  readonly path: string;
  /** "query", "cdc", "batch", "companyinfo", "preferences", "invoice.read", "invoice.update",
   * "invoice.create", "creditmemo.create", "authorize", "token", "revoke", "unauthorized", "throttled"… */
  readonly endpoint: string;
  readonly status: number;
  readonly realmId?: string;
  /** The `query` parameter of a query call. */
  readonly query?: string;
  readonly requestId?: string;
  readonly minorVersion?: string;
}

export interface FakeQuickBooksOptions {
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly verifierToken?: string;
  /** When set, the authorize endpoint accepts only these. */
  readonly redirectUris?: readonly string[];
  /** The first realm, created at start; also the one consent grants. Default "9341453050298525". */
  readonly realmId?: string;
  readonly companyName?: string;
  readonly homeCurrency?: string;
  readonly multiCurrency?: boolean;
  readonly accessTokenTtlSeconds?: number;
  readonly refreshTokenTtlSeconds?: number;
  readonly requestsPerWindow?: number;
  readonly windowMs?: number;
  readonly maxConcurrent?: number;
  readonly retryAfterSeconds?: number;
  /** Added before each API answer, so concurrent requests overlap. */
  readonly latencyMs?: number;
  readonly now?: () => Date;
}

export interface FakeQuickBooks {
  /** "http://127.0.0.1:PORT" (no trailing slash, without /v3/company). */
  readonly apiBaseUrl: string;
  /** "http://127.0.0.1:PORT": the authorize, token and revoke paths are Intuit's. */
  readonly oauthBaseUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly verifierToken: string;
  readonly realmId: string;
  /** Every HTTP request, in order, including refused ones. */
  readonly calls: readonly FakeCall[];
  /** Calls per endpoint name (see FakeCall.endpoint). */
  count(endpoint: string, realmId?: string): number;
  /** API calls (under /v3/company) answered, any status. */
  apiCalls(realmId?: string): number;
  resetCalls(): void;
  readonly refreshCalls: number;
  /** The data of a realm, created on first use. */
  realm(realmId?: string): FakeRealm;
  /** Tokens for a realm without the consent round trip (as the token endpoint answers them). */
  issueTokens(realmId?: string): {
    access_token: string;
    refresh_token: string;
    expires_in: number;
    x_refresh_token_expires_in: number;
  };
  /** Every access token issued so far stops working (as after an hour). */
  expireAccessTokens(): void;
  /** The user disconnected the app: the realm's grants (access and refresh tokens) stop working. */
  revokeGrant(realmId?: string): void;
  /** The next `times` API requests answer this status with an Intuit Fault. */
  failNext(status: number, times?: number): void;
  sign(body: string | Uint8Array): string;
  /** A CloudEvents delivery as Intuit posts it, signed with the verifier token. */
  webhook(events: readonly (Omit<FakeWebhookEvent, "realmId"> & { readonly realmId?: string })[]): SignedWebhook;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = body === undefined ? "" : JSON.stringify(body);
  response.writeHead(status, {
    ...(body === undefined ? {} : { "Content-Type": "application/json;charset=UTF-8" }),
    intuit_tid: `1-${Date.now().toString(16)}`,
    ...headers,
  });
  response.end(text);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startFakeQuickBooks(options: FakeQuickBooksOptions = {}): Promise<FakeQuickBooks> {
  const now = options.now ?? (() => new Date());
  const clientId = options.clientId ?? "ABfakeClientIdForRelanceTests0000000000000000000";
  const clientSecret = options.clientSecret ?? "fakeClientSecret0000000000000000000000";
  const verifierToken = options.verifierToken ?? "fake-verifier-token-0000";
  const defaultRealm = options.realmId ?? "9341453050298525";
  const windowMs = options.windowMs ?? 60_000;
  const requestsPerWindow = options.requestsPerWindow ?? 500;
  const maxConcurrent = options.maxConcurrent ?? 10;

  const realms = new Map<string, FakeRealm>();
  const realm = (id = defaultRealm) => {
    let found = realms.get(id);
    if (!found) {
      found = new FakeRealm(
        id,
        {
          companyName: options.companyName ?? "Craig's Design and Landscaping Services",
          homeCurrency: options.homeCurrency ?? "USD",
          multiCurrency: options.multiCurrency ?? false,
        },
        now,
      );
      realms.set(id, found);
    }
    return found;
  };
  realm();

  const oauth = new FakeIntuitOAuth({
    clientId,
    clientSecret,
    redirectUris: options.redirectUris,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3600,
    refreshTokenTtlSeconds: options.refreshTokenTtlSeconds ?? 8_726_400,
    consentRealmId: () => defaultRealm,
    now,
  });

  const calls: FakeCall[] = [];
  const recent = new Map<string, number[]>();
  const inFlight = new Map<string, number>();
  const idempotent = new Map<string, { status: number; body: unknown }>();
  let failures: { status: number; times: number } | undefined;

  function throttled(realmId: string): boolean {
    const at = Date.now();
    const window = (recent.get(realmId) ?? []).filter((time) => at - time < windowMs);
    recent.set(realmId, window);
    if (window.length >= requestsPerWindow || (inFlight.get(realmId) ?? 0) >= maxConcurrent) return true;
    window.push(at);
    return false;
  }

  async function api(request: IncomingMessage, response: ServerResponse, url: URL, realmId: string, rest: string) {
    const log = (endpoint: string, status: number, extra: Partial<FakeCall> = {}) =>
      calls.push({
        method: request.method ?? "GET",
        path: url.pathname,
        endpoint,
        status,
        realmId,
        ...(url.searchParams.get("minorversion") ? { minorVersion: url.searchParams.get("minorversion") ?? "" } : {}),
        ...extra,
      });
    const auth = oauth.authenticate(request.headers.authorization);
    if ("problem" in auth) {
      log("unauthorized", 401);
      return send(response, 401, authenticationFault(auth.problem, now()), { "WWW-Authenticate": 'Bearer realm="Intuit"' });
    }
    if (auth.realmId !== realmId) {
      log("forbidden", 403);
      return send(
        response,
        403,
        fault(
          "AuthorizationFault",
          "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
          "Token not valid for this company",
          "003100",
          now(),
        ),
      );
    }
    if (throttled(realmId)) {
      log("throttled", 429);
      return send(
        response,
        429,
        throttleFault(now()),
        options.retryAfterSeconds ? { "Retry-After": String(options.retryAfterSeconds) } : {},
      );
    }
    inFlight.set(realmId, (inFlight.get(realmId) ?? 0) + 1);
    try {
      const text = await readBody(request);
      if (options.latencyMs) await sleep(options.latencyMs);
      if (failures && failures.times > 0) {
        const status = failures.status;
        failures.times -= 1;
        log("failed", status);
        return send(
          response,
          status,
          fault(
            "SystemFault",
            "An application error has occurred while processing your request",
            "System Failure Error: injected by the fake",
            "10000",
            now(),
          ),
        );
      }
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        log("malformed", 400);
        return send(
          response,
          400,
          fault("ValidationFault", "Request has invalid or unsupported property", "body is not JSON", "2010", now()),
        );
      }
      const requestId = url.searchParams.get("requestid") ?? undefined;
      const key = requestId === undefined || request.method !== "POST" ? undefined : `${realmId}:${requestId}`;
      const earlier = key === undefined ? undefined : idempotent.get(key);
      const answer = earlier
        ? { ...earlier, endpoint: "replayed" }
        : handleApi(realm(realmId), request.method ?? "GET", rest, url.searchParams, body, now());
      if (key !== undefined && !earlier) idempotent.set(key, { status: answer.status, body: answer.body });
      log(answer.endpoint, answer.status, {
        ...(url.searchParams.get("query") ? { query: url.searchParams.get("query") ?? "" } : {}),
        ...(requestId === undefined ? {} : { requestId }),
      });
      return send(response, answer.status, answer.body);
    } finally {
      inFlight.set(realmId, (inFlight.get(realmId) ?? 1) - 1);
    }
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const handle = async () => {
      const apiPath = /^\/v3\/company\/([^/]+)\/(.+)$/.exec(url.pathname);
      if (apiPath) return api(request, response, url, apiPath[1] ?? "", apiPath[2] ?? "");
      if (request.method === "GET" && url.pathname === "/connect/oauth2") {
        const answer = oauth.authorize(url.searchParams);
        calls.push({ method: "GET", path: url.pathname, endpoint: "authorize", status: answer.status });
        if (answer.location) {
          response.writeHead(302, { Location: answer.location });
          return response.end();
        }
        return send(response, answer.status, answer.body);
      }
      if (request.method === "POST" && url.pathname === "/oauth2/v1/tokens/bearer") {
        const answer = oauth.token(request.headers.authorization, new URLSearchParams(await readBody(request)));
        calls.push({ method: "POST", path: url.pathname, endpoint: "token", status: answer.status });
        return send(response, answer.status, answer.body, { "Cache-Control": "no-store" });
      }
      if (request.method === "POST" && url.pathname === "/v2/oauth2/tokens/revoke") {
        const text = await readBody(request);
        const json = /json/i.test(request.headers["content-type"] ?? "") ? safeJson(text) : undefined;
        const token = typeof json?.token === "string" ? json.token : (new URLSearchParams(text).get("token") ?? undefined);
        const answer = oauth.revoke(request.headers.authorization, token);
        calls.push({ method: "POST", path: url.pathname, endpoint: "revoke", status: answer.status });
        return send(response, answer.status, answer.body);
      }
      calls.push({ method: request.method ?? "GET", path: url.pathname, endpoint: "not_found", status: 404 });
      return send(response, 404, { error: "not_found" });
    };
    handle().catch((error: unknown) => {
      if (!response.headersSent)
        send(response, 500, fault("SystemFault", "An application error has occurred", String(error), "10000", now()));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  return {
    apiBaseUrl: base,
    oauthBaseUrl: base,
    clientId,
    clientSecret,
    verifierToken,
    realmId: defaultRealm,
    calls,
    count: (endpoint, realmId) =>
      calls.filter((call) => call.endpoint === endpoint && (realmId === undefined || call.realmId === realmId)).length,
    apiCalls: (realmId) =>
      calls.filter((call) => call.path.startsWith("/v3/company/") && (realmId === undefined || call.realmId === realmId)).length,
    resetCalls: () => {
      calls.length = 0;
    },
    get refreshCalls() {
      return oauth.refreshCalls;
    },
    realm,
    issueTokens: (realmId = defaultRealm) => oauth.issue(realmId),
    expireAccessTokens: () => oauth.expireAccessTokens(),
    revokeGrant: (realmId) => oauth.revokeGrants(realmId),
    failNext: (status, times = 1) => {
      failures = { status, times };
    },
    sign: (body) => signWebhookBody(verifierToken, body),
    webhook(events) {
      const body = JSON.stringify(
        cloudEvents(
          events.map((event) => ({ ...event, realmId: event.realmId ?? defaultRealm })),
          now(),
        ),
      );
      return { headers: { "content-type": "application/json", "intuit-signature": signWebhookBody(verifierToken, body) }, body };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
