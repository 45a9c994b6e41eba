/**
 * Helpers of the ledger sync benchmark (./ledger-sync.ts): deterministic seed data for the Xero and
 * QuickBooks fakes, connector plugins built against them the way the server builds them, and a sync
 * driver that does what the server's connection-sync workflow does page after page.
 */

import {
  type QuickBooksApp,
  quickbooksAppSchema,
  quickbooksConfigSchema,
  quickbooksConnector,
} from "@relance/connector-quickbooks";
import { type XeroApp, xeroAppSchema, xeroConfigSchema, xeroConnector } from "@relance/connector-xero";
import {
  type ChangePage,
  type ConnectorPlugin,
  isRelanceError,
  type LedgerChange,
  type Logger,
  RelanceError,
} from "@relance/core";
import type { FakeQuickBooks } from "../fakes/quickbooks";
import type { FakeXero } from "../fakes/xero";
import { RefreshOnRejection, tokensOf } from "../support/tokens";

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------
// Seed data

/** What one ledger holds: the same shape is seeded into both fakes. */
export interface LedgerShape {
  readonly invoices: number;
  readonly contacts: number;
  /** Invoices with one payment (half of them paid in full). */
  readonly payments: number;
  /** Credit notes; the first half are allocated to an invoice. */
  readonly creditNotes: number;
}

export function shapeFor(invoices: number): LedgerShape {
  return {
    invoices,
    contacts: Math.max(1, Math.round(invoices / 10)),
    payments: Math.min(50, Math.floor(invoices / 4)),
    creditNotes: Math.min(20, Math.floor(invoices / 4)),
  };
}

/** Seeded records are stamped one second apart from this instant, well in the past. */
const SEED_START_MS = Date.UTC(2025, 0, 6, 9, 0, 0);
const SEED_STEP_MS = 1000;

/** A fixed clock for seeding that moves one step per change; after seeding the fakes use real time. */
export class SeedClock {
  private at = SEED_START_MS;
  seeding = true;

  /** The fake's clock: the seed clock while seeding, real time afterwards. */
  readonly now = (): Date => (this.seeding ? new Date(this.at) : new Date());

  /** Moves the seed clock on and returns the new instant. */
  tick(): Date {
    this.at += SEED_STEP_MS;
    return new Date(this.at);
  }
}

/** Deterministic ids shaped like Xero's GUIDs (kind: 1 contact, 2 invoice, 3 credit note). */
const guid = (kind: number, index: number) => `0000000${kind}-0000-4000-8000-${(index + 1).toString(16).padStart(12, "0")}`;

/** Amounts in whole pounds/dollars from 100 to 5,089, a pure function of the index. */
const amountOf = (index: number) => 100 + ((index * 7919) % 4990);
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const issueDateOf = (index: number) => isoDay(Date.UTC(2024, 0, 1) + (index % 360) * 86_400_000);
const dueDateOf = (index: number) => isoDay(Date.UTC(2024, 0, 31) + (index % 360) * 86_400_000);

/** Which invoices receive a payment, and which a credit note: spread over the ledger, never the same one. */
function paidIndexes(shape: LedgerShape): number[] {
  const stride = Math.max(2, Math.floor(shape.invoices / Math.max(1, shape.payments)));
  return Array.from({ length: shape.payments }, (_, k) => k * stride);
}
function creditedIndexes(shape: LedgerShape): number[] {
  const stride = Math.max(2, Math.floor(shape.invoices / Math.max(1, shape.creditNotes)));
  return Array.from({ length: shape.creditNotes }, (_, k) => k * stride + 1);
}

export interface Seeded {
  readonly invoices: number;
  readonly contacts: number;
  readonly creditNotes: number;
  readonly payments: number;
}

export function seedXero(fake: FakeXero, clock: SeedClock, shape: LedgerShape): Seeded {
  const ledger = fake.ledger();
  clock.seeding = true;
  for (let index = 0; index < shape.contacts; index++) {
    clock.tick();
    ledger.addContact({ contactId: guid(1, index), name: `Debtor ${index}`, email: `ap${index}@debtor.example` });
  }
  for (let index = 0; index < shape.invoices; index++) {
    clock.tick();
    ledger.addInvoice({
      invoiceId: guid(2, index),
      number: `INV-${String(index + 1).padStart(6, "0")}`,
      contactId: guid(1, index % shape.contacts),
      total: amountOf(index),
      date: issueDateOf(index),
      dueDate: dueDateOf(index),
    });
  }
  paidIndexes(shape).forEach((index, k) => {
    clock.tick();
    ledger.pay(guid(2, index), k % 2 === 0 ? amountOf(index) : amountOf(index) / 2, issueDateOf(index + 20));
  });
  creditedIndexes(shape).forEach((index, k) => {
    clock.tick();
    const creditNoteId = guid(3, k);
    ledger.addCreditNote({ creditNoteId, contactId: guid(1, index % shape.contacts), total: 50, date: issueDateOf(index + 10) });
    if (k < shape.creditNotes / 2) {
      clock.tick();
      ledger.allocate(creditNoteId, guid(2, index), 50, issueDateOf(index + 10));
    }
  });
  clock.seeding = false;
  return { invoices: shape.invoices, contacts: shape.contacts, creditNotes: shape.creditNotes, payments: shape.payments };
}

export function seedQuickBooks(fake: FakeQuickBooks, clock: SeedClock, shape: LedgerShape): Seeded {
  const realm = fake.realm();
  const customerIds: string[] = [];
  const invoiceIds: string[] = [];
  clock.seeding = true;
  for (let index = 0; index < shape.contacts; index++) {
    customerIds.push(
      realm.addCustomer({ displayName: `Debtor ${index}`, email: `ap${index}@debtor.example`, updatedAt: clock.tick() }).Id,
    );
  }
  const customerOf = (index: number) => customerIds[index % shape.contacts] ?? "";
  for (let index = 0; index < shape.invoices; index++) {
    invoiceIds.push(
      realm.addInvoice({
        customerId: customerOf(index),
        docNumber: `INV-${String(index + 1).padStart(6, "0")}`,
        txnDate: issueDateOf(index),
        dueDate: dueDateOf(index),
        amount: amountOf(index),
        updatedAt: clock.tick(),
      }).Id,
    );
  }
  const invoiceId = (index: number) => invoiceIds[index] ?? "";
  paidIndexes(shape).forEach((index, k) => {
    const amount = k % 2 === 0 ? amountOf(index) : amountOf(index) / 2;
    realm.addPayment({
      customerId: customerOf(index),
      txnDate: issueDateOf(index + 20),
      invoices: [{ invoiceId: invoiceId(index), amount }],
      updatedAt: clock.tick(),
    });
  });
  creditedIndexes(shape).forEach((index, k) => {
    const memo = realm.addCreditMemo({
      customerId: customerOf(index),
      txnDate: issueDateOf(index + 10),
      amount: 50,
      updatedAt: clock.tick(),
    });
    if (k < shape.creditNotes / 2) {
      // QuickBooks records a credit applied to an invoice as a payment with both lines.
      realm.addPayment({
        customerId: customerOf(index),
        txnDate: issueDateOf(index + 10),
        invoices: [{ invoiceId: invoiceId(index), amount: 50 }],
        creditMemos: [{ creditMemoId: memo.Id, amount: 50 }],
        updatedAt: clock.tick(),
      });
    }
  });
  clock.seeding = false;
  return {
    invoices: shape.invoices,
    contacts: shape.contacts,
    creditNotes: shape.creditNotes,
    // A credit application moves no money: it is read as a credit note allocation, not a payment.
    payments: shape.payments,
  };
}

// ---------------------------------------------------------------------------------------------------
// Plugins

/** Builds a fresh plugin of one connection, as the server's ConnectorFactory does for every page. */
export type PluginFactory = () => Promise<ConnectorPlugin>;

export function xeroPlugins(fake: FakeXero, options: { pageSize: number; rateWindowMs: number }): PluginFactory {
  const app: XeroApp = xeroAppSchema.parse({
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    redirectUri: "https://relance.example/oauth/xero/callback",
    webhookKey: fake.webhookKey,
    apiBaseUrl: fake.apiBaseUrl,
    identityBaseUrl: fake.identityBaseUrl,
    loginBaseUrl: fake.loginBaseUrl,
    rateWindowMs: options.rateWindowMs,
  });
  const tenantId = fake.organisations[0]?.tenantId ?? "";
  const oauth = xeroConnector.oauth;
  if (!oauth) throw new RelanceError("misconfigured", "the Xero manifest has no OAuth flow");
  const tokens = new RefreshOnRejection(tokensOf(fake.connect([tenantId])), (current) => oauth.refresh(app, current));
  const config = xeroConfigSchema.parse({ tenantId, pageSize: options.pageSize });
  return async () =>
    xeroConnector.create({
      app,
      config,
      secrets: {},
      logger: silentLogger,
      clock: { now: () => new Date() },
      fetch,
      tokens,
    });
}

export function quickBooksPlugins(fake: FakeQuickBooks): PluginFactory {
  const app: QuickBooksApp = quickbooksAppSchema.parse({
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    redirectUri: "http://localhost:3000/oauth/quickbooks/callback",
    webhookVerifierToken: fake.verifierToken,
    environment: "sandbox",
    apiBaseUrl: fake.apiBaseUrl,
    oauthBaseUrl: fake.oauthBaseUrl,
  });
  const oauth = quickbooksConnector.oauth;
  if (!oauth) throw new RelanceError("misconfigured", "the QuickBooks manifest has no OAuth flow");
  const tokens = new RefreshOnRejection(tokensOf(fake.issueTokens()), (current) => oauth.refresh(app, current));
  const config = quickbooksConfigSchema.parse({ realmId: fake.realmId });
  return async () =>
    quickbooksConnector.create({
      app,
      config,
      secrets: {},
      logger: silentLogger,
      clock: { now: () => new Date() },
      fetch,
      tokens,
    });
}

// ---------------------------------------------------------------------------------------------------
// The sync driver

export interface SyncOptions {
  readonly since?: string;
  /** Build a new plugin for every page and every retry, or one for the whole sync (what the server does: it keeps one per connection). */
  readonly pluginPerPage: boolean;
  /**
   * Also run what the server's syncPage does after each page (withReferences): read, by fetchChanged,
   * the invoices a credit note is allocated to that are not in the page, and debtors not stored yet.
   */
  readonly completeReferences: boolean;
  /** The connection's account (Xero tenant id, QuickBooks realm id), named in fetchChanged requests. */
  readonly accountId: string;
  /** API calls made so far at the fake, to attribute calls to reference completion. */
  readonly apiCalls: () => number;
}

export interface SyncResult {
  readonly pages: number;
  readonly watermark: string | undefined;
  readonly invoiceIds: ReadonlySet<string>;
  readonly debtorIds: ReadonlySet<string>;
  readonly creditNoteIds: ReadonlySet<string>;
  readonly paymentIds: ReadonlySet<string>;
  /** Every record of every page, duplicates included. */
  readonly records: number;
  /** Page attempts that failed with a retryable error and were retried (the workflow's activity retries). */
  readonly retries: number;
  readonly retryReasons: readonly string[];
  /** API calls spent by reference completion (0 unless completeReferences). */
  readonly referenceCalls: number;
  readonly wallMs: number;
}

/** The connection-sync workflow's activity retry policy: 2 s doubling, at most 20 attempts, or the error's hint. */
const MAX_ATTEMPTS = 20;
const retryDelay = (error: RelanceError, attempt: number) => error.retryAfterMs ?? Math.min(300_000, 2000 * 2 ** attempt);

/**
 * One sync as the server runs it: `listChanges({since, cursor})` page after page until no cursor, each
 * page retried after the delay a retryable error asks for. Returns what was read and the watermark the
 * server would store.
 */
export async function runSync(plugins: PluginFactory, options: SyncOptions): Promise<SyncResult> {
  const started = performance.now();
  const invoiceIds = new Set<string>();
  const debtorIds = new Set<string>();
  const creditNoteIds = new Set<string>();
  const paymentIds = new Set<string>();
  const storedDebtors = new Set<string>();
  const retryReasons: string[] = [];
  let records = 0;
  let pages = 0;
  let referenceCalls = 0;
  let cursor: string | undefined;
  let watermark: string | undefined;
  let shared: ConnectorPlugin | undefined;
  const pluginForPage = async () => {
    if (options.pluginPerPage) return plugins();
    shared ??= await plugins();
    return shared;
  };
  do {
    let page: ChangePage | undefined;
    for (let attempt = 0; page === undefined; attempt++) {
      try {
        const plugin = await pluginForPage();
        const read = await plugin.listChanges({
          ...(options.since ? { since: options.since } : {}),
          ...(cursor === undefined ? {} : { cursor }),
        });
        if (options.completeReferences) {
          const before = options.apiCalls();
          const fetched = await completeReferences(plugin, options.accountId, read, storedDebtors);
          referenceCalls += options.apiCalls() - before;
          for (const id of fetched) storedDebtors.add(id);
        }
        page = read;
      } catch (error) {
        if (!isRelanceError(error) || !error.retryable || attempt + 1 >= MAX_ATTEMPTS) throw error;
        retryReasons.push(error.message);
        await sleep(retryDelay(error, attempt));
      }
    }
    pages++;
    records += page.debtors.length + page.invoices.length + page.creditNotes.length + page.payments.length;
    for (const debtor of page.debtors) {
      debtorIds.add(debtor.externalId);
      storedDebtors.add(debtor.externalId);
    }
    for (const invoice of page.invoices) invoiceIds.add(invoice.externalId);
    for (const note of page.creditNotes) creditNoteIds.add(note.externalId);
    for (const payment of page.payments) paymentIds.add(payment.externalId);
    cursor = page.cursor;
    // The server stores the watermark of the last page only (recordSyncWatermark when no cursor is left).
    if (cursor === undefined) watermark = page.watermark ?? options.since;
  } while (cursor !== undefined);
  return {
    pages,
    watermark,
    invoiceIds,
    debtorIds,
    creditNoteIds,
    paymentIds,
    records,
    retries: retryReasons.length,
    retryReasons,
    referenceCalls,
    wallMs: performance.now() - started,
  };
}

/**
 * The reads core/server/src/ledger/sync-page.ts (withReferences) adds to a page of a scheduled sync
 * before storing it: debtors neither in the page nor stored (allocated and paid invoices are re-read only
 * in webhook syncs). `stored` holds the debtors stored so far; returns the debtors these reads brought.
 */
async function completeReferences(
  plugin: ConnectorPlugin,
  accountId: string,
  page: ChangePage,
  stored: ReadonlySet<string>,
): Promise<string[]> {
  if (!plugin.fetchChanged) return [];
  const fetched: string[] = [];
  const records = [...page.invoices, ...page.creditNotes];
  const present = new Set([...page.debtors.map((debtor) => debtor.externalId), ...fetched]);
  const missing = [...new Set(records.map((record) => record.debtorExternalId))].filter(
    (id) => !present.has(id) && !stored.has(id),
  );
  if (missing.length > 0) {
    const contacts = await plugin.fetchChanged(
      missing.map(
        (externalId): LedgerChange => ({ providerEventId: `contact:${externalId}`, accountId, kind: "contact", externalId }),
      ),
    );
    fetched.push(...contacts.debtors.map((debtor) => debtor.externalId));
  }
  return fetched;
}
