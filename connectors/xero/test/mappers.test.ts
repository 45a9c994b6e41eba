/**
 * Mappers on recorded vendor payloads. The fixtures start with the response examples of Xero's
 * OpenAPI spec (XeroAPI/Xero-OpenAPI v16.1.0, xero_accounting.yaml: GET /Invoices, GET /Contacts,
 * GET /CreditNotes, 200 examples) and add records the examples lack: a EUR invoice paid in part and
 * credited, a JPY invoice, deleted / draft / bill invoices, a French company contact without its own
 * email, an archived contact without any, an allocated and a voided credit note. They go through the
 * SDK's own ObjectSerializer, so the mappers see exactly what xero-node hands over (Dates included).
 */
import { creditNoteSchema, debtorSchema, invoiceSchema, paymentSchema } from "@relance/core";
import { describe, expect, it } from "vitest";
import { type Contacts, type CreditNotes, type Invoices, ObjectSerializer } from "xero-node";
import { MappingError, mapContact, mapCreditNote, mapInvoice } from "../src";
import contactsJson from "./fixtures/contacts.json";
import creditNotesJson from "./fixtures/credit-notes.json";
import invoicesJson from "./fixtures/invoices.json";

const invoices = (ObjectSerializer.deserialize(invoicesJson, "Invoices") as Invoices).invoices ?? [];
const contacts = (ObjectSerializer.deserialize(contactsJson, "Contacts") as Contacts).contacts ?? [];
const creditNotes = (ObjectSerializer.deserialize(creditNotesJson, "CreditNotes") as CreditNotes).creditNotes ?? [];

const invoiceById = (id: string) => {
  const found = invoices.find((invoice) => invoice.invoiceID === id);
  if (!found) throw new Error(`fixture ${id} missing`);
  return found;
};

describe("Xero invoice → Invoice", () => {
  it("maps the spec's voided, paid and open invoices", () => {
    const [voided, paid, open] = invoices.map((invoice) => mapInvoice(invoice));
    expect(voided?.invoice).toEqual({
      externalId: "d4956132-ed94-4dd7-9eaa-aa22dfdf06f2",
      number: "INV-0001",
      debtorExternalId: "a3675fc4-f8dd-4f03-ba5b-f1870566bcd7",
      currency: "NZD",
      totalMinor: 4000,
      balanceMinor: 0,
      issueDate: "2018-10-20",
      dueDate: "2018-12-30",
      status: "void",
      reference: "Red Fish, Blue Fish",
    });
    expect(paid?.invoice).toMatchObject({ status: "paid", totalMinor: 4600, balanceMinor: 0 });
    expect(paid?.payments).toEqual([
      {
        externalId: "99ea7f6b-c513-4066-bc27-b7c65dcd76c2",
        invoiceExternalId: "046d8a6d-1ae1-4b4d-9340-5601bdf41b87",
        currency: "NZD",
        amountMinor: 4600,
        date: "2018-11-29",
        status: "posted",
      },
    ]);
    expect(open?.invoice).toMatchObject({ status: "open", totalMinor: 11500, balanceMinor: 11500, dueDate: "2018-11-07" });
    expect(open?.invoice.reference).toBeUndefined();
  });

  it("keeps cents exact in another currency, with a partial payment and a credit", () => {
    const mapped = mapInvoice(invoiceById("0b4f0a9e-5b1e-4c2a-9f0e-111111111111"));
    expect(mapped?.invoice).toMatchObject({ currency: "EUR", totalMinor: 123490, balanceMinor: 73480, status: "open" });
    expect(mapped?.payments.map((payment) => payment.amountMinor)).toEqual([40010]);
    expect(invoiceSchema.safeParse(mapped?.invoice).success).toBe(true);
    for (const payment of mapped?.payments ?? []) expect(paymentSchema.safeParse(payment).success).toBe(true);
  });

  it("reads JPY without decimals and falls back to the issue date when there is no due date", () => {
    const mapped = mapInvoice(invoiceById("0b4f0a9e-5b1e-4c2a-9f0e-222222222222"));
    expect(mapped?.invoice).toMatchObject({ currency: "JPY", totalMinor: 125000, balanceMinor: 125000, dueDate: "2024-02-10" });
  });

  it("maps deleted invoices as void and leaves drafts and bills out", () => {
    expect(mapInvoice(invoiceById("0b4f0a9e-5b1e-4c2a-9f0e-333333333333"))?.invoice).toMatchObject({
      status: "void",
      balanceMinor: 0,
    });
    expect(mapInvoice(invoiceById("0b4f0a9e-5b1e-4c2a-9f0e-444444444444"))).toBeUndefined();
    expect(mapInvoice(invoiceById("0b4f0a9e-5b1e-4c2a-9f0e-555555555555"))).toBeUndefined();
  });

  it("refuses amounts with more decimals than the currency has instead of rounding", () => {
    const source = ObjectSerializer.deserialize(
      { ...invoicesJson.Invoices[2], Total: 10.005, AmountDue: 10.005, CurrencyCode: "GBP" },
      "Invoice",
    );
    expect(() => mapInvoice(source)).toThrow(MappingError);
  });
});

describe("Xero contact → Debtor", () => {
  it("maps the spec's contacts", () => {
    const katherine = mapContact(contacts[0]!);
    expect(katherine).toEqual({
      externalId: "5cc8cf28-567e-4d43-b287-687cfcaec47c",
      name: "Katherine Warren",
      emails: ["kat.warren@clampett.com"],
      phone: "(626) 847-1294",
      kind: "b2b",
      language: "en",
      tags: [],
    });
    expect(mapContact(contacts[1]!).kind).toBeUndefined();
  });

  it("takes emails from contact persons marked for emails, deduplicated and valid only", () => {
    const dupont = mapContact(contacts[2]!);
    expect(dupont.emails).toEqual(["marie@dupont.example"]);
    expect(dupont.address).toEqual({
      lines: ["12 rue de la Paix", "Bâtiment B"],
      postalCode: "75002",
      city: "Paris",
      country: "FR",
    });
    expect(dupont).toMatchObject({ language: "fr", kind: "b2b", phone: "+33 1 23 45 67 89" });
    expect(debtorSchema.safeParse(dupont).success).toBe(true);
  });

  it("maps a contact without any email, address or phone", () => {
    const walkIn = mapContact(contacts[3]!);
    expect(walkIn).toEqual({
      externalId: "9a1c2b3d-0000-4000-8000-00000000000b",
      name: "Walk-in customer",
      emails: [],
      tags: [],
    });
    expect(debtorSchema.safeParse(walkIn).success).toBe(true);
  });
});

describe("Xero credit note → CreditNote", () => {
  it("maps sales credit notes with their live allocations and leaves supplier credits out", () => {
    const [specOne, supplier, allocated, voided] = creditNotes.map((note) => mapCreditNote(note));
    expect(specOne).toMatchObject({ number: "CN-0005", totalMinor: 3450, remainingMinor: 3250, status: "open", allocations: [] });
    expect(supplier).toBeUndefined();
    expect(allocated).toEqual({
      externalId: "c0ffee00-0000-4000-8000-000000000001",
      number: "CN-0101",
      debtorExternalId: "5cc8cf28-567e-4d43-b287-687cfcaec47c",
      currency: "EUR",
      totalMinor: 12000,
      remainingMinor: 2000,
      issueDate: "2024-01-02",
      status: "open",
      allocations: [{ invoiceExternalId: "0b4f0a9e-5b1e-4c2a-9f0e-111111111111", amountMinor: 10000 }],
    });
    expect(voided).toMatchObject({ status: "void", remainingMinor: 0, totalMinor: 1550 });
    for (const note of [specOne, allocated, voided]) expect(creditNoteSchema.safeParse(note).success).toBe(true);
  });
});
