import { RelanceError } from "@relance/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeXero, startFakeXero } from "../../../test/fakes/xero";
import { xeroConnector } from "../src";
import { appFor, connect } from "./harness";

let fake: FakeXero;

beforeEach(async () => {
  fake = await startFakeXero();
});

afterEach(async () => {
  await fake.close();
});

const receive = (app: ReturnType<typeof appFor>, headers: Record<string, string>, body: Uint8Array) =>
  xeroConnector.webhooks!.receive(app, { headers, rawBody: body, receivedAt: new Date() });

describe("webhooks", () => {
  it("maps signed invoice, contact and credit-note events with stable ids", async () => {
    const tenantId = fake.organisations[0]!.tenantId;
    const delivery = fake.webhook([
      {
        category: "INVOICE",
        resourceId: "11111111-1111-4111-8111-111111111111",
        tenantId,
        eventDateUtc: "2025-03-01T10:00:00.000",
      },
      { category: "CONTACT", resourceId: "22222222-2222-4222-8222-222222222222", tenantId, eventType: "CREATE" },
      { category: "CREDITNOTE", resourceId: "33333333-3333-4333-8333-333333333333", tenantId },
      { category: "SUBSCRIPTION", resourceId: "44444444-4444-4444-8444-444444444444", tenantId },
    ]);
    const changes = await receive(appFor(fake), { "X-Xero-Signature": delivery.headers["x-xero-signature"]! }, delivery.rawBody);
    expect(changes.map((change) => [change.kind, change.externalId, change.accountId])).toEqual([
      ["invoice", "11111111-1111-4111-8111-111111111111", tenantId],
      ["contact", "22222222-2222-4222-8222-222222222222", tenantId],
      ["credit_note", "33333333-3333-4333-8333-333333333333", tenantId],
    ]);
    const again = await receive(appFor(fake), delivery.headers, delivery.rawBody);
    expect(again.map((change) => change.providerEventId)).toEqual(changes.map((change) => change.providerEventId));
    expect(new Set(changes.map((change) => change.providerEventId)).size).toBe(3);
  });

  it("answers intent-to-receive with no changes, and refuses forged, missing or unverifiable signatures", async () => {
    const itr = fake.sign(JSON.stringify({ events: [], firstEventSequence: 0, lastEventSequence: 0, entropy: "ABCDEF" }));
    expect(await receive(appFor(fake), itr.headers, itr.rawBody)).toEqual([]);
    const forged = Buffer.from(itr.body.replace("ABCDEF", "ABCDEG"));
    await expect(async () => receive(appFor(fake), itr.headers, forged)).rejects.toMatchObject({ code: "unauthorized" });
    await expect(async () => receive(appFor(fake), {}, itr.rawBody)).rejects.toMatchObject({ code: "unauthorized" });
    await expect(async () => receive(appFor(fake), { "x-xero-signature": "c2hvcnQ=" }, itr.rawBody)).rejects.toMatchObject({
      code: "unauthorized",
    });
    await expect(async () => receive(appFor(fake, { webhookKey: undefined }), itr.headers, itr.rawBody)).rejects.toMatchObject({
      code: "unauthorized",
    });
  });
});

describe("fetchChanged", () => {
  it("reads the named invoices, credit notes and their contacts in one call each", async () => {
    const ledger = fake.ledger();
    const tenantId = fake.organisations[0]!.tenantId;
    const alice = ledger.addContact({ name: "Alice Ltd", email: "ap@alice.example" });
    const bob = ledger.addContact({ name: "Bob SARL" });
    const one = ledger.addInvoice({ contactId: alice.contactId, total: "250.00", date: "2025-01-01", dueDate: "2025-01-31" });
    const two = ledger.addInvoice({ contactId: alice.contactId, total: "99.99", date: "2025-01-02" });
    ledger.addInvoice({ contactId: bob.contactId, total: "10", date: "2025-01-03" });
    ledger.pay(one.invoiceId, "50");
    const note = ledger.addCreditNote({ contactId: bob.contactId, total: "5", date: "2025-01-04" });
    const { plugin } = await connect(fake);
    const change = (kind: "invoice" | "credit_note", externalId: string) => ({
      providerEventId: externalId,
      accountId: tenantId,
      kind,
      externalId,
    });
    const page = await plugin.fetchChanged!([
      change("invoice", one.invoiceId),
      change("invoice", two.invoiceId),
      change("credit_note", note.creditNoteId),
    ]);
    expect(page.invoices.map((invoice) => invoice.number).sort()).toEqual([one.number, two.number].sort());
    expect(page.invoices.find((invoice) => invoice.externalId === one.invoiceId)).toMatchObject({
      balanceMinor: 20000,
      status: "open",
    });
    expect(page.payments).toHaveLength(1);
    expect(page.creditNotes.map((item) => item.externalId)).toEqual([note.creditNoteId]);
    expect(page.debtors.map((debtor) => debtor.name).sort()).toEqual(["Alice Ltd", "Bob SARL"]);
    expect(page.cursor).toBeUndefined();
    expect(fake.apiCalls().map((call) => `${call.path} ${Object.keys(call.query).join(",")}`)).toEqual([
      "/api.xro/2.0/Invoices IDs",
      "/api.xro/2.0/CreditNotes where",
      "/api.xro/2.0/Contacts IDs,includeArchived",
    ]);
  });
});

describe("write-back", () => {
  it("adds a history note once per idempotency key", async () => {
    const ledger = fake.ledger();
    const contact = ledger.addContact({ name: "Alice Ltd" });
    const invoice = ledger.addInvoice({ contactId: contact.contactId, total: "120", date: "2025-01-01" });
    const { plugin } = await connect(fake);
    await plugin.writeBack!.addInvoiceNote!(invoice.invoiceId, "Reminder 1 sent by email", { idempotencyKey: "wf-1:step-1" });
    await plugin.writeBack!.addInvoiceNote!(invoice.invoiceId, "Reminder 1 sent by email", { idempotencyKey: "wf-1:step-1" });
    expect(ledger.history.map((note) => note.details)).toEqual(["Reminder 1 sent by email"]);
    expect(fake.apiCalls().map((call) => call.headers.idempotencyKey)).toEqual(["wf-1:step-1", "wf-1:step-1"]);
  });

  it("creates and allocates a credit note, and a late-fee invoice, only when switched on", async () => {
    const ledger = fake.ledger();
    const contact = ledger.addContact({ name: "Alice Ltd" });
    const invoice = ledger.addInvoice({
      contactId: contact.contactId,
      total: "120",
      date: "2025-01-01",
      currency: "EUR",
      accountCode: "200",
    });
    const off = await connect(fake);
    await expect(
      off.plugin.writeBack!.createCreditNote!(invoice.invoiceId, { amountMinor: 2000, currency: "EUR" }, "Goodwill", {
        idempotencyKey: "k",
      }),
    ).rejects.toMatchObject({
      code: "forbidden",
      message: expect.stringMatching(/writeBack\.creditNotes/),
      issues: [{ path: "writeBack.creditNotes", message: "switched off for this connection" }],
    });
    await expect(
      off.plugin.writeBack!.createLateFeeInvoice!(
        contact.contactId,
        { amountMinor: 4000, currency: "EUR" },
        "2025-04-01",
        "Late fee",
        { idempotencyKey: "k" },
      ),
    ).rejects.toMatchObject({
      code: "forbidden",
      issues: [{ path: "writeBack.lateFees", message: "switched off for this connection" }],
    });
    const notesOff = await connect(fake, { config: { writeBack: { notes: false, creditNotes: false, lateFees: false } } });
    await expect(
      notesOff.plugin.writeBack!.addInvoiceNote!(invoice.invoiceId, "Reminder", { idempotencyKey: "k" }),
    ).rejects.toMatchObject({ code: "forbidden", issues: [{ path: "writeBack.notes" }] });
    expect(fake.apiCalls()).toHaveLength(0);

    const on = await connect(fake, {
      config: { writeBack: { notes: true, creditNotes: true, lateFees: true }, lateFeeAccountCode: "260" },
    });
    const creditId = await on.plugin.writeBack!.createCreditNote!(
      invoice.invoiceId,
      { amountMinor: 2000, currency: "EUR" },
      "Goodwill",
      {
        idempotencyKey: "dispute-7",
      },
    );
    const again = await on.plugin.writeBack!.createCreditNote!(
      invoice.invoiceId,
      { amountMinor: 2000, currency: "EUR" },
      "Goodwill",
      {
        idempotencyKey: "dispute-7",
      },
    );
    expect(again).toBe(creditId);
    expect(ledger.creditNotes.size).toBe(1);
    expect(ledger.amountDue(invoice)).toBe(10000);
    const feeId = await on.plugin.writeBack!.createLateFeeInvoice!(
      contact.contactId,
      { amountMinor: 4000, currency: "EUR" },
      "2025-04-01",
      "Indemnité forfaitaire",
      {
        idempotencyKey: "fee-1",
      },
    );
    await on.plugin.writeBack!.createLateFeeInvoice!(
      contact.contactId,
      { amountMinor: 4000, currency: "EUR" },
      "2025-04-01",
      "Indemnité forfaitaire",
      {
        idempotencyKey: "fee-1",
      },
    );
    const fee = ledger.invoice(feeId);
    expect(ledger.invoices.size).toBe(2);
    expect(fee).toMatchObject({
      totalMinor: 4000,
      currency: "EUR",
      status: "AUTHORISED",
      accountCode: "260",
      dueDate: "2025-04-01",
    });
  });
  it("names the credit note it created when the allocation fails for good, and never creates a second", async () => {
    const ledger = fake.ledger();
    const contact = ledger.addContact({ name: "Alice Ltd" });
    const invoice = ledger.addInvoice({ contactId: contact.contactId, total: "120", date: "2025-01-01", currency: "EUR" });
    const { plugin } = await connect(fake, { config: { writeBack: { notes: false, creditNotes: true, lateFees: false } } });
    // The invoice is paid between the decision and the write: the credit note is created, its allocation refused.
    ledger.pay(invoice.invoiceId, "120");
    const credit = () =>
      plugin.writeBack!.createCreditNote!(invoice.invoiceId, { amountMinor: 2000, currency: "EUR" }, "Goodwill", {
        idempotencyKey: "dispute-9",
      });
    const failure = await credit().catch((error: unknown) => error);
    expect(ledger.creditNotes.size).toBe(1);
    const note = [...ledger.creditNotes.values()][0]!;
    expect(note.status).toBe("AUTHORISED");
    expect(failure).toBeInstanceOf(RelanceError);
    const error = failure as RelanceError;
    expect(error).toMatchObject({ code: "provider_rejected", retryable: false });
    expect(error.message).toContain(`credit note ${note.number} (CreditNoteID ${note.creditNoteId}) was created`);
    expect(error.message).toMatch(/not allocated/);
    expect(error.issues).toContainEqual({
      path: "creditNote",
      message: expect.stringContaining(`${note.number} (CreditNoteID ${note.creditNoteId}) was created but not allocated`),
    });
    // A retry of the step (same idempotency key) gets the same credit note back: still one in Xero.
    await expect(credit()).rejects.toMatchObject({ message: expect.stringContaining(note.creditNoteId) });
    expect(ledger.creditNotes.size).toBe(1);
    const creations = fake.apiCalls().filter((call) => call.method !== "GET" && call.path === "/api.xro/2.0/CreditNotes");
    expect(creations.map((call) => call.headers.idempotencyKey)).toEqual(["dispute-9:credit-note", "dispute-9:credit-note"]);
  });

  it("does not mark a refusal by Xero (403) as a switched-off write-back", async () => {
    const ledger = fake.ledger();
    const contact = ledger.addContact({ name: "Alice Ltd" });
    const invoice = ledger.addInvoice({ contactId: contact.contactId, total: "120", date: "2025-01-01" });
    // A connection to an organisation the grant does not (or no longer) cover: Xero answers 403.
    const { plugin } = await connect(fake, {
      tenantId: "00000000-0000-4000-8000-000000000001",
      config: { writeBack: { notes: true, creditNotes: true, lateFees: true } },
    });
    const refused = await plugin.writeBack!.addInvoiceNote!(invoice.invoiceId, "Reminder", { idempotencyKey: "k" }).catch(
      (error: unknown) => error,
    );
    expect(fake.apiCalls().at(-1)?.status).toBe(403);
    expect(refused).toBeInstanceOf(RelanceError);
    expect((refused as RelanceError).issues.some((issue) => issue.path?.startsWith("writeBack."))).toBe(false);
  });
});
