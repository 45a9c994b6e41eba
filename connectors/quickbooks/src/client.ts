/**
 * A small promise-based, typed face of node-quickbooks for one company. A fresh SDK instance serves
 * each request, with the access token of that moment and its endpoint pointed at the configured API
 * host; node-quickbooks' module statics and the global axios are never touched. A 401 hands the token
 * back to the TokenProvider and the request is tried once more with the one it returns.
 */
import { type Clock, RelanceError, type TokenProvider } from "@relance/core";
import QuickBooks from "node-quickbooks";
import { describeFailure, isAuthFailure, isCdcWindowRefused, type QboFailure, toRelanceError } from "./errors";
import type { SyncedEntity } from "./qbo-types";
import { apiBaseUrl, type QuickBooksApp } from "./settings";

type Callback = (error: unknown, body: unknown) => void;

/** The methods of node-quickbooks this connector calls, with the argument forms it uses. */
interface Sdk {
  token: string;
  endpoint: string;
  findCustomers(criteria: string, callback: Callback): void;
  findInvoices(criteria: string, callback: Callback): void;
  findCreditMemos(criteria: string, callback: Callback): void;
  findPayments(criteria: string, callback: Callback): void;
  changeDataCapture(entities: string[], since: string, callback: Callback): void;
  batch(items: readonly BatchQuery[], callback: Callback): void;
  getCompanyInfo(id: string, callback: Callback): void;
  getPreferences(callback: Callback): void;
  getInvoice(id: string, callback: Callback): void;
  updateInvoice(invoice: Record<string, unknown>, callback: Callback): void;
  createInvoice(invoice: Record<string, unknown>, callback: Callback): void;
  createCreditMemo(creditMemo: Record<string, unknown>, callback: Callback): void;
}

export interface BatchQuery {
  readonly bId: string;
  readonly Query: string;
}

const FINDER: Readonly<Record<SyncedEntity, "findCustomers" | "findInvoices" | "findCreditMemos" | "findPayments">> = {
  Customer: "findCustomers",
  Invoice: "findInvoices",
  CreditMemo: "findCreditMemos",
  Payment: "findPayments",
};

export interface QboClientOptions {
  readonly app: QuickBooksApp;
  readonly realmId: string;
  readonly tokens: TokenProvider;
  readonly clock: Clock;
}

export interface QboClient {
  readonly realmId: string;
  /** `select * from {entity} {tail}`: tail holds where / orderby / startposition / maxresults. */
  query(entity: SyncedEntity, tail: string): Promise<unknown>;
  /** The CDC answer, or "window_refused" when changedSince is older than Intuit keeps changes. */
  changeDataCapture(entities: readonly SyncedEntity[], since: string): Promise<unknown>;
  batch(items: readonly BatchQuery[]): Promise<unknown>;
  companyInfo(): Promise<unknown>;
  preferences(): Promise<unknown>;
  getInvoice(id: string): Promise<unknown>;
  /** Sparse update; `requestId` makes a retried write land once. */
  updateInvoice(invoice: Record<string, unknown>, requestId: string): Promise<unknown>;
  createInvoice(invoice: Record<string, unknown>, requestId: string): Promise<unknown>;
  createCreditMemo(creditMemo: Record<string, unknown>, requestId: string): Promise<unknown>;
}

/** Raised (and caught by callers that expect it) when a request fails in a way they handle themselves. */
export class QboRequestFailed extends Error {
  constructor(readonly failure: QboFailure) {
    super("QuickBooks request failed");
    this.name = "QboRequestFailed";
  }
}

/** One SDK instance for one request; the constructor only stores its arguments (no I/O). */
export function sdkFor(app: QuickBooksApp, realmId: string, token: string): Sdk {
  const sdk = new QuickBooks(
    app.clientId,
    app.clientSecret,
    token,
    false,
    realmId,
    app.environment === "sandbox",
    false,
    String(app.minorVersion),
    "2.0",
  );
  sdk.endpoint = `${apiBaseUrl(app)}/v3/company/`;
  // node-quickbooks' bundled types declare its callbacks and criteria narrower than the JS accepts.
  return sdk as unknown as Sdk;
}

function invoke(run: (done: Callback) => void): Promise<unknown> {
  return new Promise((resolve, reject) => {
    run((error, body) => (error ? reject(error) : resolve(body)));
  });
}

export function createQboClient({ app, realmId, tokens, clock }: QboClientOptions): QboClient {
  async function call(action: string, run: (sdk: Sdk, done: Callback) => void, handles?: (f: QboFailure) => boolean) {
    const attempt = (token: string) => invoke((done) => run(sdkFor(app, realmId, token), done));
    const fail = (error: unknown): never => {
      const failure = describeFailure(error);
      if (handles?.(failure)) throw new QboRequestFailed(failure);
      throw toRelanceError(error, action, clock.now());
    };
    const token = await tokens.accessToken();
    try {
      return await attempt(token);
    } catch (error) {
      if (!isAuthFailure(describeFailure(error))) return fail(error);
    }
    // Refreshes (under the server's lock) unless someone already did; throws "unauthorized" when the grant is gone.
    const next = await tokens.rejected(token);
    try {
      return await attempt(next);
    } catch (error) {
      if (isAuthFailure(describeFailure(error))) {
        throw new RelanceError("unauthorized", `QuickBooks refused a freshly refreshed access token for ${action}`);
      }
      return fail(error);
    }
  }

  const withRequestId = (entity: Record<string, unknown>, requestId: string) => ({ ...entity, requestId });

  return {
    realmId,
    query: (entity, tail) => call(`${entity} query`, (sdk, done) => sdk[FINDER[entity]](` ${tail.trim()}`, done)),
    async changeDataCapture(entities, since) {
      try {
        return await call(
          "change data capture",
          (sdk, done) => sdk.changeDataCapture([...entities], since, done),
          (failure) => failure.status !== undefined && failure.status < 500 && failure.status !== 429 && failure.status !== 401,
        );
      } catch (error) {
        if (error instanceof QboRequestFailed) {
          if (isCdcWindowRefused(error.failure)) return "window_refused";
          throw new RelanceError(
            "provider_rejected",
            `QuickBooks rejected change data capture: ${error.failure.faults.map((f) => f.detail ?? f.message).join("; ")}`,
          );
        }
        throw error;
      }
    },
    batch: (items) => call("batch", (sdk, done) => sdk.batch(items, done)),
    companyInfo: () => call("company info read", (sdk, done) => sdk.getCompanyInfo(realmId, done)),
    preferences: () => call("preferences read", (sdk, done) => sdk.getPreferences(done)),
    getInvoice: (id) => call(`invoice ${id} read`, (sdk, done) => sdk.getInvoice(id, done)),
    updateInvoice: (invoice, requestId) =>
      call("invoice update", (sdk, done) => sdk.updateInvoice(withRequestId(invoice, requestId), done)),
    createInvoice: (invoice, requestId) =>
      call("invoice creation", (sdk, done) => sdk.createInvoice(withRequestId(invoice, requestId), done)),
    createCreditMemo: (memo, requestId) =>
      call("credit memo creation", (sdk, done) => sdk.createCreditMemo(withRequestId(memo, requestId), done)),
  };
}
