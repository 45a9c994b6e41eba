/**
 * The fake Xero's HTTP server on 127.0.0.1. Three "hosts" share one port under path prefixes so a
 * client that mixes up its base URLs fails: `/login` (authorize), `/identity` (token, revocation),
 * `/api` (connections and /api.xro/2.0). Every request is logged; accounting calls go through the
 * bearer check, the tenant check, the rate limiter and the Idempotency-Key store.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type ApiAnswer, handleAccounting } from "./accounting";
import { type Connection, IdentityService, type TokenResponse } from "./identity";
import { FakeLedger } from "./ledger";
import { RateLimiter, type RateLimitOptions } from "./limits";
import { type SignedWebhook, signWebhook, type WebhookEventInput, webhookPayload } from "./webhooks";

export interface FakeXeroOptions {
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** Redirect URIs registered for the app; any http(s) URI when absent. */
  readonly redirectUris?: readonly string[];
  readonly webhookKey?: string;
  readonly organisations?: readonly { readonly tenantId?: string; readonly name: string }[];
  readonly limits?: Partial<RateLimitOptions>;
  readonly accessTokenTtlSeconds?: number;
  /** How long a rotated-away refresh token still works (Xero: 30 minutes). */
  readonly refreshGraceMs?: number;
  /** Clock for UpdatedDateUTC, token expiry, rate windows and the Date header. */
  readonly now?: () => Date;
  /** Holds every accounting answer this long (to make concurrency observable). */
  readonly latencyMs?: number;
}

export interface RecordedCall {
  readonly host: "login" | "identity" | "api";
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: {
    readonly tenantId?: string;
    readonly ifModifiedSince?: string;
    readonly idempotencyKey?: string;
    readonly authorization?: string;
  };
  status: number;
}

export interface FakeXero {
  readonly baseUrl: string;
  readonly apiBaseUrl: string;
  readonly identityBaseUrl: string;
  readonly loginBaseUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly webhookKey: string;
  readonly organisations: readonly { readonly tenantId: string; readonly name: string }[];
  /** The first organisation's ledger, or the one named. */
  ledger(tenantId?: string): FakeLedger;
  readonly calls: RecordedCall[];
  /** Calls per "METHOD /path" with ids replaced by {id}, e.g. "GET /api.xro/2.0/Invoices". */
  count(key: string): number;
  /** Accounting API calls only (what Xero's limits count). */
  apiCalls(): RecordedCall[];
  readonly refreshCalls: number;
  /** Most accounting calls ever in flight at once for one organisation. */
  readonly peakInFlight: number;
  /** Organisations the next consent grants (default: all). */
  consentTo(tenantIds: readonly string[]): void;
  /** Tokens for a grant that skipped the browser step. */
  connect(tenantIds?: readonly string[], scope?: string): TokenResponse;
  expireAccessTokens(): void;
  revokeGrant(): void;
  /** The next `times` accounting calls answer `status` (e.g. 503). */
  failNext(status: number, times?: number): void;
  webhook(events: readonly WebhookEventInput[]): SignedWebhook;
  sign(body: string): SignedWebhook;
  close(): Promise<void>;
}

const DEFAULT_LIMITS: Omit<RateLimitOptions, "dayMs"> = {
  perMinute: 60,
  perDay: 5000,
  concurrent: 5,
  appPerMinute: 10_000,
  windowMs: 60_000,
};

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

const header = (request: IncomingMessage, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const routeKey = (method: string, path: string) =>
  `${method} ${path.replace(/\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?=\/|$)/gi, "/{id}")}`;

export async function startFakeXero(options: FakeXeroOptions = {}): Promise<FakeXero> {
  const now = options.now ?? (() => new Date());
  const nowMs = () => now().getTime();
  const clientId = options.clientId ?? "FAKE-CLIENT-ID";
  const clientSecret = options.clientSecret ?? "fake-client-secret";
  const webhookKey = options.webhookKey ?? "fake-webhook-key-0123456789";
  const organisations = (options.organisations ?? [{ name: "Demo Company (UK)" }]).map((org) => ({
    tenantId: org.tenantId ?? randomUUID(),
    name: org.name,
  }));
  const ledgers = new Map(organisations.map((org) => [org.tenantId, new FakeLedger(org.tenantId, org.name, now)]));
  const windowMs = options.limits?.windowMs ?? DEFAULT_LIMITS.windowMs;
  const limiter = new RateLimiter({ ...DEFAULT_LIMITS, dayMs: windowMs * 1440, ...options.limits }, nowMs);
  const identity = new IdentityService(nowMs, options.accessTokenTtlSeconds ?? 1800, options.refreshGraceMs ?? 30 * 60_000);
  const calls: RecordedCall[] = [];
  const counters = new Map<string, number>();
  const idempotent = new Map<string, ApiAnswer>();
  let consent: readonly string[] | undefined;
  let failures: { status: number; times: number } | undefined;
  const inFlight = new Map<string, number>();
  let peakInFlight = 0;

  const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): number => {
    const text = body === undefined ? "" : JSON.stringify(body);
    response.writeHead(status, {
      Date: now().toUTCString(),
      ...(text ? { "Content-Type": "application/json; charset=utf-8" } : {}),
      ...headers,
    });
    response.end(text);
    return status;
  };

  const clientAuthenticated = (request: IncomingMessage, form: URLSearchParams): boolean => {
    const basic = header(request, "authorization");
    if (basic?.startsWith("Basic ")) {
      const [id, secret] = Buffer.from(basic.slice(6), "base64").toString("utf8").split(":");
      return decodeURIComponent(id ?? "") === clientId && decodeURIComponent(secret ?? "") === clientSecret;
    }
    return form.get("client_id") === clientId && form.get("client_secret") === clientSecret;
  };

  const redirectAllowed = (uri: string) =>
    options.redirectUris ? options.redirectUris.includes(uri) : /^https?:\/\//.test(uri) || uri.startsWith("urn:");

  const tenantsFor = (ids: readonly string[] | undefined) =>
    organisations
      .filter((org) => !ids || ids.includes(org.tenantId))
      .map((org) => ({ tenantId: org.tenantId, tenantName: org.name }));

  const login = (response: ServerResponse, path: string, query: URLSearchParams): number => {
    if (path !== "/identity/connect/authorize") return send(response, 404, { error: "not_found" });
    const redirectUri = query.get("redirect_uri") ?? "";
    if (query.get("client_id") !== clientId || !redirectAllowed(redirectUri)) {
      send(response, 400, { error: "unauthorized_client", error_description: "Invalid client or redirect_uri" });
      return 400;
    }
    const back = new URL(redirectUri);
    const state = query.get("state");
    if (state) back.searchParams.set("state", state);
    const scope = (query.get("scope") ?? "").split(" ").filter(Boolean);
    const challengeMethod = query.get("code_challenge_method");
    if (query.get("response_type") !== "code") back.searchParams.set("error", "unsupported_response_type");
    else if (scope.length === 0 || scope.some((item) => !/^[a-z_.]+$/.test(item)))
      back.searchParams.set("error", "invalid_scope");
    else if (!state) back.searchParams.set("error", "invalid_request");
    else if (query.get("code_challenge") && challengeMethod !== "S256") back.searchParams.set("error", "invalid_request");
    else {
      const code = identity.issueCode(
        scope.join(" "),
        tenantsFor(consent),
        redirectUri,
        query.get("code_challenge") ?? undefined,
      );
      back.searchParams.set("code", code);
    }
    response.writeHead(302, { Location: back.toString() });
    response.end();
    return 302;
  };

  const identityRoute = async (request: IncomingMessage, response: ServerResponse, path: string): Promise<number> => {
    const form = new URLSearchParams(await readBody(request));
    if (request.method !== "POST") return send(response, 405, { error: "invalid_request" });
    if (!clientAuthenticated(request, form)) return send(response, 400, { error: "invalid_client" });
    if (path === "/connect/revocation") {
      identity.revokeToken(form.get("token") ?? "");
      send(response, 200, undefined);
      return 200;
    }
    if (path !== "/connect/token") return send(response, 404, { error: "not_found" });
    const grantType = form.get("grant_type");
    const result =
      grantType === "authorization_code"
        ? identity.exchangeCode(
            form.get("code") ?? "",
            form.get("redirect_uri") ?? undefined,
            form.get("code_verifier") ?? undefined,
          )
        : grantType === "refresh_token"
          ? identity.refresh(form.get("refresh_token") ?? "")
          : ({ ok: false, error: "unsupported_grant_type" } as const);
    if (!result.ok) return send(response, 400, { error: result.error });
    send(response, 200, result.body, { "Cache-Control": "no-store" });
    return 200;
  };

  const unauthorized = (response: ServerResponse) => {
    send(
      response,
      401,
      {
        Type: null,
        Title: "Unauthorized",
        Status: 401,
        Detail: "TokenExpired: token expired",
        Instance: randomUUID(),
        Extensions: {},
      },
      { "WWW-Authenticate": 'Bearer error="invalid_token"' },
    );
    return 401;
  };

  const apiRoute = async (request: IncomingMessage, response: ServerResponse, path: string, query: URLSearchParams) => {
    const method = request.method ?? "GET";
    const rawBody = await readBody(request);
    const bearer = header(request, "authorization")?.replace(/^Bearer /, "") ?? "";
    const grant = identity.grantOf(bearer);
    if (!grant) return unauthorized(response);
    if (path === "/connections" && method === "GET") {
      const connections: Connection[] = identity.connectionsOf(bearer) ?? [];
      send(response, 200, connections);
      return 200;
    }
    const connection = /^\/connections\/([^/]+)$/.exec(path);
    if (connection && method === "DELETE") {
      const removed = identity.disconnect(bearer, connection[1] ?? "");
      send(response, removed ? 204 : 404, undefined);
      return removed ? 204 : 404;
    }
    if (!path.startsWith("/api.xro/2.0/")) return send(response, 404, { Title: "Not Found" });
    const tenantId = header(request, "xero-tenant-id") ?? "";
    const ledger = ledgers.get(tenantId);
    if (!ledger || !grant.connections.some((item) => item.tenantId === tenantId)) {
      send(response, 403, {
        Type: null,
        Title: "Forbidden",
        Status: 403,
        Detail: "AuthenticationUnsuccessful",
        Instance: randomUUID(),
      });
      return 403;
    }
    const admission = limiter.admit(tenantId);
    if (!admission.ok) {
      send(
        response,
        429,
        { Title: "Too Many Requests", Status: 429 },
        { ...admission.headers, "Retry-After": String(admission.retryAfterSeconds), "X-Rate-Limit-Problem": admission.problem },
      );
      return 429;
    }
    const flying = (inFlight.get(tenantId) ?? 0) + 1;
    inFlight.set(tenantId, flying);
    peakInFlight = Math.max(peakInFlight, flying);
    try {
      if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
      if (failures && failures.times > 0) {
        failures.times--;
        send(response, failures.status, { Title: "Service Unavailable", Status: failures.status }, admission.headers);
        return failures.status;
      }
      const key = header(request, "idempotency-key");
      const storeKey = key ? `${tenantId} ${method} ${path} ${key}` : undefined;
      const replay = storeKey ? idempotent.get(storeKey) : undefined;
      let answer = replay;
      if (!answer) {
        const since = header(request, "if-modified-since");
        const parsedSince = since === undefined ? undefined : Date.parse(since);
        answer = handleAccounting(ledger, {
          method,
          path: path.slice("/api.xro/2.0".length),
          query,
          ifModifiedSince: parsedSince === undefined || Number.isNaN(parsedSince) ? undefined : parsedSince,
          body: rawBody ? JSON.parse(rawBody) : undefined,
        });
        if (storeKey && answer.status < 500) idempotent.set(storeKey, answer);
      }
      send(response, answer.status, answer.body, admission.headers);
      return answer.status;
    } finally {
      inFlight.set(tenantId, (inFlight.get(tenantId) ?? 1) - 1);
      admission.release();
    }
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const [, host = "", ...rest] = url.pathname.split("/");
    const path = `/${rest.join("/")}`;
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams) query[name] = value;
    const tenantId = header(request, "xero-tenant-id");
    const ifModifiedSince = header(request, "if-modified-since");
    const idempotencyKey = header(request, "idempotency-key");
    const authorization = header(request, "authorization");
    const call: RecordedCall = {
      host: host === "login" ? "login" : host === "identity" ? "identity" : "api",
      method: request.method ?? "GET",
      path,
      query,
      headers: {
        ...(tenantId ? { tenantId } : {}),
        ...(ifModifiedSince ? { ifModifiedSince } : {}),
        ...(idempotencyKey ? { idempotencyKey } : {}),
        ...(authorization ? { authorization } : {}),
      },
      status: 0,
    };
    calls.push(call);
    const key = routeKey(call.method, path);
    counters.set(key, (counters.get(key) ?? 0) + 1);
    const route =
      host === "login"
        ? Promise.resolve(login(response, path, url.searchParams))
        : host === "identity"
          ? identityRoute(request, response, path)
          : host === "api"
            ? apiRoute(request, response, path, url.searchParams)
            : Promise.resolve(send(response, 404, { error: "unknown host prefix" }));
    route.then(
      (status) => {
        call.status = status;
      },
      (error: unknown) => {
        call.status = 500;
        send(response, 500, { Title: "Internal error", Detail: error instanceof Error ? error.message : String(error) });
      },
    );
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const apiBaseUrl = `${baseUrl}/api`;

  return {
    baseUrl,
    apiBaseUrl,
    identityBaseUrl: `${baseUrl}/identity`,
    loginBaseUrl: `${baseUrl}/login`,
    clientId,
    clientSecret,
    webhookKey,
    organisations,
    ledger: (tenantId) => {
      const ledger = ledgers.get(tenantId ?? organisations[0]?.tenantId ?? "");
      if (!ledger) throw new Error(`no organisation ${tenantId}`);
      return ledger;
    },
    calls,
    count: (key) => counters.get(key) ?? 0,
    apiCalls: () => calls.filter((call) => call.host === "api" && call.path.startsWith("/api.xro/2.0/")),
    get refreshCalls() {
      return identity.refreshCalls;
    },
    get peakInFlight() {
      return peakInFlight;
    },
    consentTo: (tenantIds) => {
      consent = tenantIds;
    },
    connect: (tenantIds, scope = "offline_access accounting.invoices accounting.contacts.read accounting.settings.read") =>
      identity.connect(scope, tenantsFor(tenantIds)),
    expireAccessTokens: () => identity.expireAccessTokens(),
    revokeGrant: () => identity.revokeAll(),
    failNext: (status, times = 1) => {
      failures = { status, times };
    },
    webhook: (events) => signWebhook(webhookKey, webhookPayload(events, apiBaseUrl)),
    sign: (body) => signWebhook(webhookKey, body),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
