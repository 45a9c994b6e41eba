/**
 * Xero Accounting API routes (/api.xro/2.0) over one organisation's ledger: lists with paging,
 * If-Modified-Since, `where`, Statuses/IDs/ContactIDs filters and `order=UpdatedDateUTC ASC`;
 * single reads; history notes; invoice, credit note and allocation creation.
 */
import { formatMinor, parseDecimalToMinor } from "@relance/core";
import { contactJson, creditNoteJson, invoiceJson, type Json, msDate } from "./json";
import { decimal, type FakeLedger, type InvoiceStatus, LedgerValidationError } from "./ledger";
import { parseWhere } from "./where";

export interface ApiRequest {
  readonly method: string;
  /** Path below /api.xro/2.0, e.g. "/Invoices/abc/History". */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly ifModifiedSince: number | undefined;
  readonly body: unknown;
}

export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

const MAX_PAGE_SIZE = 1000;
const DEFAULT_PAGE_SIZE = 100;

const envelope = (extra: Json): Json => ({
  Id: crypto.randomUUID(),
  Status: "OK",
  ProviderName: "Relance fake",
  DateTimeUTC: msDate(Date.now()),
  ...extra,
});

export function validationError(message: string): ApiAnswer {
  return {
    status: 400,
    body: {
      ErrorNumber: 10,
      Type: "ValidationException",
      Message: "A validation exception occurred",
      Elements: [{ ValidationErrors: [{ Message: message }] }],
    },
  };
}

const notFound = (): ApiAnswer => ({ status: 404, body: { Title: "Not Found", Status: 404, Detail: "Resource not found" } });

interface Listed {
  readonly updatedAt: number;
  readonly seq: number;
  readonly fields: Json;
}

/** Filters, orders and pages records the way every Xero list endpoint does. */
function list(request: ApiRequest, key: string, records: readonly Listed[], render: (index: number) => Json): ApiAnswer {
  const { query } = request;
  let where: ((record: Json) => boolean) | undefined;
  try {
    const clause = query.get("where");
    where = clause ? parseWhere(clause) : undefined;
  } catch (error) {
    return validationError(error instanceof Error ? error.message : String(error));
  }
  const ids = query.get("IDs")?.toLowerCase().split(",").filter(Boolean);
  const since = request.ifModifiedSince;
  let indexes = records
    .map((record, index) => ({ record, index }))
    .filter(({ record }) => since === undefined || record.updatedAt > since)
    .filter(({ record }) => !where || where(record.fields))
    .filter(({ record }) => !ids || ids.includes(String(record.fields[`${key.slice(0, -1)}ID`]).toLowerCase()));
  const statuses = query.get("Statuses")?.split(",").filter(Boolean);
  if (statuses) indexes = indexes.filter(({ record }) => statuses.includes(String(record.fields.Status)));
  const contactIds = query.get("ContactIDs")?.toLowerCase().split(",").filter(Boolean);
  if (contactIds) indexes = indexes.filter(({ record }) => contactIds.includes(String(record.fields.ContactID).toLowerCase()));
  const order = query.get("order")?.trim();
  if (order && !/^UpdatedDateUTC( ASC| DESC)?$/i.test(order))
    return validationError(`order "${order}" is not supported by the fake`);
  const descending = order !== undefined && /DESC$/i.test(order);
  indexes.sort((a, b) => a.record.updatedAt - b.record.updatedAt || a.record.seq - b.record.seq);
  if (descending) indexes.reverse();
  const pageParam = query.get("page");
  if (pageParam === null) return { status: 200, body: envelope({ [key]: indexes.map(({ index }) => render(index)) }) };
  const page = Math.max(1, Number.parseInt(pageParam, 10) || 1);
  const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Number.parseInt(query.get("pageSize") ?? "", 10) || DEFAULT_PAGE_SIZE));
  const slice = indexes.slice((page - 1) * pageSize, page * pageSize);
  return {
    status: 200,
    body: envelope({
      pagination: { page, pageSize, pageCount: Math.ceil(indexes.length / pageSize), itemCount: indexes.length },
      [key]: slice.map(({ index }) => render(index)),
    }),
  };
}

function arrayField(body: unknown, key: string): Json[] {
  if (body === null || typeof body !== "object") return [];
  const value = (body as Json)[key];
  return Array.isArray(value) ? value.filter((item): item is Json => item !== null && typeof item === "object") : [];
}

const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

/** Sum of Quantity × UnitAmount over line items, in minor units (quantities are whole here). */
function linesTotal(lines: readonly Json[], currency: string): number {
  return lines.reduce((sum, line) => {
    const quantity = typeof line.Quantity === "number" ? line.Quantity : 1;
    return sum + quantity * parseDecimalToMinor(String(line.UnitAmount ?? 0), currency);
  }, 0);
}

function contactIdOf(item: Json): string | undefined {
  const contact = item.Contact;
  return contact !== null && typeof contact === "object" ? text((contact as Json).ContactID) : undefined;
}

export function handleAccounting(ledger: FakeLedger, request: ApiRequest): ApiAnswer {
  const segments = request.path.split("/").filter(Boolean);
  const [resource, id, sub] = segments;
  const method = request.method;
  try {
    if (resource === "Organisation" && method === "GET" && !id) {
      return {
        status: 200,
        body: envelope({
          Organisations: [
            {
              OrganisationID: ledger.tenantId,
              Name: ledger.name,
              BaseCurrency: "GBP",
              CountryCode: "GB",
              OrganisationType: "COMPANY",
            },
          ],
        }),
      };
    }
    if (resource === "Contacts" && method === "GET") {
      const contacts = [...ledger.contacts.values()];
      if (id) {
        const contact = ledger.contacts.get(id);
        return contact ? { status: 200, body: envelope({ Contacts: [contactJson(contact)] }) } : notFound();
      }
      if (request.query.get("includeArchived") !== "true") {
        const active = contacts.filter((contact) => (contact.status ?? "ACTIVE") === "ACTIVE");
        return list(request, "Contacts", active.map(contactListed), (index) => contactJson(active[index]!));
      }
      return list(request, "Contacts", contacts.map(contactListed), (index) => contactJson(contacts[index]!));
    }
    if (resource === "Invoices") return invoices(ledger, request, id, sub);
    if (resource === "CreditNotes") return creditNotes(ledger, request, id, sub);
    return notFound();
  } catch (error) {
    if (error instanceof LedgerValidationError) return validationError(error.message);
    throw error;
  }
}

const contactListed = (contact: {
  contactId: string;
  name: string;
  status?: string;
  updatedAt: number;
  seq: number;
}): Listed => ({
  updatedAt: contact.updatedAt,
  seq: contact.seq,
  fields: { ContactID: contact.contactId, Name: contact.name, ContactStatus: contact.status ?? "ACTIVE" },
});

function invoices(ledger: FakeLedger, request: ApiRequest, id: string | undefined, sub: string | undefined): ApiAnswer {
  const { method } = request;
  if (method === "GET" && !id) {
    const all = [...ledger.invoices.values()];
    const summaryOnly = request.query.get("summaryOnly") === "true";
    return list(
      request,
      "Invoices",
      all.map((invoice) => ({
        updatedAt: invoice.updatedAt,
        seq: invoice.seq,
        fields: {
          InvoiceID: invoice.invoiceId,
          InvoiceNumber: invoice.number,
          Type: "ACCREC",
          Status: invoice.status,
          ContactID: invoice.contactId,
          CurrencyCode: invoice.currency,
        },
      })),
      (index) => invoiceJson(ledger, all[index]!, summaryOnly),
    );
  }
  if (method === "GET" && id && !sub) {
    const invoice = ledger.invoices.get(id);
    return invoice ? { status: 200, body: envelope({ Invoices: [invoiceJson(ledger, invoice)] }) } : notFound();
  }
  if (id && sub === "History") {
    if (!ledger.invoices.has(id)) return notFound();
    if (method === "GET") {
      const notes = ledger.history.filter((note) => note.invoiceId === id);
      return {
        status: 200,
        body: envelope({
          HistoryRecords: notes.map((note) => ({
            Changes: "Note",
            DateUTC: msDate(note.at),
            User: "Relance",
            Details: note.details,
          })),
        }),
      };
    }
    if (method === "PUT") {
      const added = arrayField(request.body, "HistoryRecords").map((record) => {
        const details = text(record.Details);
        if (!details) throw new LedgerValidationError("Details is required");
        if (details.length > 2500) throw new LedgerValidationError("Details must be 2500 characters or fewer");
        return ledger.addHistory(id, details);
      });
      return {
        status: 200,
        body: envelope({
          HistoryRecords: added.map((note) => ({
            Changes: "Note",
            DateUTC: msDate(note.at),
            User: "Relance",
            Details: note.details,
          })),
        }),
      };
    }
  }
  if (!id && (method === "PUT" || method === "POST")) {
    const created = arrayField(request.body, "Invoices").map((item) => {
      const contactId = contactIdOf(item);
      if (!contactId) throw new LedgerValidationError("A Contact must be specified for this type of transaction");
      if (item.Type !== "ACCREC") throw new LedgerValidationError("The fake only creates ACCREC invoices");
      const currency = text(item.CurrencyCode) ?? "GBP";
      const lines = arrayField(item, "LineItems");
      if (lines.length === 0) throw new LedgerValidationError("At least one line item is required");
      const date = text(item.Date)?.slice(0, 10) ?? new Date().toISOString().slice(0, 10);
      return ledger.addInvoice({
        contactId,
        currency,
        total: formatMinor(linesTotal(lines, currency), currency),
        date,
        dueDate: text(item.DueDate)?.slice(0, 10) ?? date,
        status: (text(item.Status) as InvoiceStatus | undefined) ?? "DRAFT",
        ...(text(item.Reference) ? { reference: text(item.Reference) } : {}),
        lineDescription: text(lines[0]?.Description) ?? "",
        ...(text(lines[0]?.AccountCode) ? { accountCode: text(lines[0]?.AccountCode) } : {}),
      });
    });
    return { status: 200, body: envelope({ Invoices: created.map((invoice) => invoiceJson(ledger, invoice)) }) };
  }
  return notFound();
}

function creditNotes(ledger: FakeLedger, request: ApiRequest, id: string | undefined, sub: string | undefined): ApiAnswer {
  const { method } = request;
  if (method === "GET" && !id) {
    const all = [...ledger.creditNotes.values()];
    return list(
      request,
      "CreditNotes",
      all.map((note) => ({
        updatedAt: note.updatedAt,
        seq: note.seq,
        fields: {
          CreditNoteID: note.creditNoteId,
          CreditNoteNumber: note.number,
          Type: "ACCRECCREDIT",
          Status: note.status,
          ContactID: note.contactId,
        },
      })),
      (index) => creditNoteJson(ledger, all[index]!),
    );
  }
  if (method === "GET" && id && !sub) {
    const note = ledger.creditNotes.get(id);
    return note ? { status: 200, body: envelope({ CreditNotes: [creditNoteJson(ledger, note)] }) } : notFound();
  }
  if (!id && (method === "PUT" || method === "POST")) {
    const created = arrayField(request.body, "CreditNotes").map((item) => {
      const contactId = contactIdOf(item);
      if (!contactId) throw new LedgerValidationError("A Contact must be specified for this type of transaction");
      if (item.Type !== "ACCRECCREDIT") throw new LedgerValidationError("The fake only creates ACCRECCREDIT credit notes");
      const currency = text(item.CurrencyCode) ?? "GBP";
      const lines = arrayField(item, "LineItems");
      if (lines.length === 0) throw new LedgerValidationError("At least one line item is required");
      return ledger.addCreditNote({
        contactId,
        currency,
        total: formatMinor(linesTotal(lines, currency), currency),
        date: text(item.Date)?.slice(0, 10) ?? new Date().toISOString().slice(0, 10),
        status: (text(item.Status) as InvoiceStatus | undefined) ?? "DRAFT",
        ...(text(item.Reference) ? { reference: text(item.Reference) } : {}),
      });
    });
    return { status: 200, body: envelope({ CreditNotes: created.map((note) => creditNoteJson(ledger, note)) }) };
  }
  if (id && sub === "Allocations" && method === "PUT") {
    if (!ledger.creditNotes.has(id)) return notFound();
    const made = arrayField(request.body, "Allocations").map((item) => {
      const invoice = item.Invoice !== null && typeof item.Invoice === "object" ? (item.Invoice as Json) : {};
      const invoiceId = text(invoice.InvoiceID);
      if (!invoiceId) throw new LedgerValidationError("Invoice.InvoiceID is required");
      const note = ledger.creditNote(id);
      return ledger.allocate(id, invoiceId, String(item.Amount ?? 0), text(item.Date)?.slice(0, 10) ?? note.date);
    });
    return {
      status: 200,
      body: envelope({
        Allocations: made.map((allocation) => ({
          AllocationID: allocation.allocationId,
          Amount: decimal(allocation.amountMinor, ledger.invoice(allocation.invoiceId).currency),
          Date: msDate(Date.parse(`${allocation.date}T00:00:00Z`)),
          Invoice: { InvoiceID: allocation.invoiceId },
          CreditNote: { CreditNoteID: allocation.creditNoteId },
        })),
      }),
    };
  }
  return notFound();
}
