/**
 * listChanges: one Xero call per page, in three phases so debtors arrive before the invoices that
 * name them: contacts, sales invoices (full objects: payments and credits come inside), sales credit
 * notes (with allocations). Each phase reads `If-Modified-Since: since`, `pageSize` records a page by
 * page number, and stops on `pagination.pageCount` (or a page shorter than `pageSize`).
 *
 * Order: newest change first (`UpdatedDateUTC DESC`). Paging by page number walks positions in an
 * order that changes while it is read: a record that changes moves to the newest end. Read oldest
 * first, that end is the one not read yet, so every later record would shift back one position and the
 * first record of the next page would never be returned (lost until edited again, the next sync
 * starting before it). Read newest first, a changed or new record enters at the end already read:
 * records behind it shift *forward*, so a page may repeat a record of the page before (harmless: the
 * same version) but none is skipped. Its new version is read by the next sync, which starts at the
 * server time of this sync's first answer (below), before the change. A keyset (`If-Modified-Since` =
 * newest seen, page 1) would avoid the order but must re-read the records at that edge, Xero's
 * strict-or-inclusive semantics being unknown: one wasted slot a page, i.e. 11 instead of 10 calls for
 * 10,000 invoices. Xero statuses cannot leave the filters read here (includeArchived contacts; invoices
 * AUTHORISED/PAID/VOIDED; every credit note), so no record drops out of the list and pulls later ones
 * back.
 *
 * Watermark: the phases read at different moments, so a record created while an earlier phase was
 * being read (a contact, then its invoice) would be skipped forever if the next sync started at the
 * newest change seen. The next sync therefore starts at the server time (HTTP Date) of this sync's
 * first answer: everything changed before that was read by every phase (when Xero sends no Date, at
 * the newest change seen). Pages before the last keep `since` as their watermark.
 *
 * Credit notes, in an incremental sync, are read by the first sync of each (UTC) day only, from the
 * start of the day the previous sync ran (the first sync of that day read them up to then): an
 * allocation changes the invoice it credits,
 * whose balance arrives with the invoices phase of every sync; what waits for that daily read (or for a
 * CREDITNOTE webhook) is only the record of a credit note itself. So an unchanged ledger costs two calls
 * per sync, and a day of syncs that skipped credit notes is covered by the next day's first read.
 */
import type { ChangePage, CreditNote, Debtor, Invoice, Logger, Payment, SkippedRecord } from "@relance/core";
import { RelanceError } from "@relance/core";
import type { Contacts, CreditNotes, Invoices, Pagination } from "xero-node";
import { z } from "zod";
import type { XeroAccountingClient } from "./client";
import { mapContact, mapCreditNote, mapInvoice } from "./mappers";
import { instant } from "./values";

const PHASES = ["contacts", "invoices", "credit_notes"] as const;

export const INVOICE_STATUSES = ["AUTHORISED", "PAID", "VOIDED"];
/** Newest first: see the file's comment for why paging by page number needs it. */
export const ORDER = "UpdatedDateUTC DESC";

const cursorSchema = z.object({
  phase: z.enum(PHASES),
  page: z.number().int().positive(),
  since: z.string().optional(),
  /** Newest UpdatedDateUTC seen so far (epoch ms). */
  newest: z.number().optional(),
  /** Server time of the sync's first answer (epoch ms). */
  startedAt: z.number().optional(),
  /** If-Modified-Since of the credit notes phase; absent: that phase is skipped (incremental syncs). */
  creditNotesSince: z.string().optional(),
  skipCreditNotes: z.boolean().optional(),
});
type Cursor = z.infer<typeof cursorSchema>;

export const encodeCursor = (cursor: Cursor): string => Buffer.from(JSON.stringify(cursor), "utf8").toString("base64url");

export function decodeCursor(text: string): Cursor {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(text, "base64url").toString("utf8")));
  } catch {
    throw new RelanceError("validation_failed", "the Xero sync cursor is not one this connector issued", {
      issues: [{ path: "cursor", message: "unreadable" }],
    });
  }
}

function sinceDate(since: string | undefined): Date | undefined {
  if (since === undefined) return undefined;
  const time = Date.parse(since);
  if (Number.isNaN(time)) {
    throw new RelanceError("validation_failed", `the sync watermark "${since}" is not a date`, {
      issues: [{ path: "since", message: "expected an ISO 8601 instant" }],
    });
  }
  return new Date(time);
}

interface Records {
  debtors: Debtor[];
  invoices: Invoice[];
  creditNotes: CreditNote[];
  payments: Payment[];
  skipped: SkippedRecord[];
  newest: number | undefined;
}

const emptyRecords = (): Records => ({
  debtors: [],
  invoices: [],
  creditNotes: [],
  payments: [],
  skipped: [],
  newest: undefined,
});

/** Maps one page; a record that cannot be read is logged and skipped rather than blocking the sync. */
export function collect(
  logger: Logger,
  body: { contacts?: Contacts["contacts"]; invoices?: Invoices["invoices"]; creditNotes?: CreditNotes["creditNotes"] },
): Records {
  const records = emptyRecords();
  const seen = (value: unknown) => {
    const time = instant(value);
    if (time !== undefined) records.newest = Math.max(records.newest ?? time, time);
  };
  const attempt = (kind: SkippedRecord["kind"], id: string | undefined, map: () => void) => {
    try {
      map();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      records.skipped.push({ kind, externalId: id ?? "(no id)", reason });
      logger.warn({ kind, id, error: reason }, "skipped a Xero record");
    }
  };
  for (const contact of body.contacts ?? []) {
    seen(contact.updatedDateUTC);
    attempt("contact", contact.contactID, () => records.debtors.push(mapContact(contact)));
  }
  for (const source of body.invoices ?? []) {
    seen(source.updatedDateUTC);
    attempt("invoice", source.invoiceID, () => {
      const mapped = mapInvoice(source);
      if (!mapped) return;
      records.invoices.push(mapped.invoice);
      records.payments.push(...mapped.payments);
    });
  }
  for (const source of body.creditNotes ?? []) {
    seen(source.updatedDateUTC);
    attempt("credit_note", source.creditNoteID, () => {
      const note = mapCreditNote(source);
      if (note) records.creditNotes.push(note);
    });
  }
  return records;
}

function lastPageOf(pagination: Pagination | undefined, page: number, count: number, pageSize: number): boolean {
  if (pagination?.pageCount !== undefined) return page >= pagination.pageCount;
  return count < pageSize;
}

const DAY_MS = 86_400_000;

/** Whether this sync reads credit notes, and from when (see the file's comment). */
export function creditNotesPlan(since: string | undefined, now: number): Pick<Cursor, "creditNotesSince" | "skipCreditNotes"> {
  if (since === undefined) return {};
  const sinceTime = sinceDate(since)?.getTime() ?? now;
  const dayOfSince = Math.floor(sinceTime / DAY_MS) * DAY_MS;
  if (dayOfSince === Math.floor(now / DAY_MS) * DAY_MS) return { skipCreditNotes: true };
  return { creditNotesSince: new Date(dayOfSince).toISOString() };
}

export async function listChanges(
  client: XeroAccountingClient,
  logger: Logger,
  pageSize: number,
  query: { readonly since?: string; readonly cursor?: string },
  now: () => number = Date.now,
): Promise<ChangePage> {
  const cursor: Cursor = query.cursor
    ? decodeCursor(query.cursor)
    : { phase: "contacts", page: 1, ...(query.since ? { since: query.since } : {}), ...creditNotesPlan(query.since, now()) };
  const since = sinceDate(cursor.phase === "credit_notes" && cursor.creditNotesSince ? cursor.creditNotesSince : cursor.since);
  const tenant = client.tenantId;
  const { phase, page } = cursor;
  let answer: { body: Contacts | Invoices | CreditNotes; headers: Readonly<Record<string, string>> };
  let count: number;
  let records: Records;
  if (phase === "contacts") {
    const result = await client.call(`contacts page ${page}`, (api) =>
      api.getContacts(tenant, since, undefined, ORDER, undefined, page, true, false, undefined, pageSize),
    );
    answer = result;
    count = result.body.contacts?.length ?? 0;
    records = collect(logger, { contacts: result.body.contacts });
  } else if (phase === "invoices") {
    const result = await client.call(`invoices page ${page}`, (api) =>
      api.getInvoices(
        tenant,
        since,
        'Type=="ACCREC"',
        ORDER,
        undefined,
        undefined,
        undefined,
        INVOICE_STATUSES,
        page,
        undefined,
        undefined,
        undefined,
        undefined,
        pageSize,
      ),
    );
    answer = result;
    count = result.body.invoices?.length ?? 0;
    records = collect(logger, { invoices: result.body.invoices });
  } else {
    const result = await client.call(`credit notes page ${page}`, (api) =>
      api.getCreditNotes(tenant, since, 'Type=="ACCRECCREDIT"', ORDER, page, undefined, pageSize),
    );
    answer = result;
    count = result.body.creditNotes?.length ?? 0;
    records = collect(logger, { creditNotes: result.body.creditNotes });
  }
  const serverTime = Date.parse(answer.headers.date ?? "");
  const startedAt = cursor.startedAt ?? (Number.isNaN(serverTime) ? undefined : serverTime);
  const newest =
    records.newest === undefined
      ? cursor.newest
      : cursor.newest === undefined
        ? records.newest
        : Math.max(records.newest, cursor.newest);
  const state = {
    ...(cursor.since ? { since: cursor.since } : {}),
    ...(cursor.creditNotesSince ? { creditNotesSince: cursor.creditNotesSince } : {}),
    ...(cursor.skipCreditNotes ? { skipCreditNotes: true } : {}),
    ...(newest !== undefined ? { newest } : {}),
    ...(startedAt !== undefined ? { startedAt } : {}),
  };
  const { newest: _newest, skipped, ...records_ } = records;
  const page_ = { ...records_, ...(skipped.length > 0 ? { skipped } : {}) };
  const phaseDone = lastPageOf(answer.body.pagination, page, count, pageSize);
  const following = PHASES[PHASES.indexOf(phase) + 1];
  const nextPhase = following === "credit_notes" && cursor.skipCreditNotes ? undefined : following;
  if (!phaseDone || nextPhase) {
    const next: Cursor = phaseDone ? { phase: nextPhase ?? phase, page: 1, ...state } : { phase, page: page + 1, ...state };
    return { ...page_, cursor: encodeCursor(next), ...(cursor.since ? { watermark: cursor.since } : {}) };
  }
  const watermark = nextWatermark(cursor.since, newest, startedAt);
  return { ...page_, ...(watermark ? { watermark } : {}) };
}

export function nextWatermark(
  since: string | undefined,
  newest: number | undefined,
  startedAt: number | undefined,
): string | undefined {
  const bounded = startedAt ?? newest;
  if (bounded === undefined) return since;
  const sinceTime = since === undefined ? undefined : Date.parse(since);
  return new Date(sinceTime !== undefined && sinceTime > bounded ? sinceTime : bounded).toISOString();
}
