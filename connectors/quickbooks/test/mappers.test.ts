import { describe, expect, it } from "vitest";
import { toMinor } from "../src/amounts";
import { mapCreditMemo, mapCustomer, mapInvoice, mapPayment, splitEmails } from "../src/mappers";
import { qboCreditMemoSchema, qboCustomerSchema, qboInvoiceSchema, qboPaymentSchema } from "../src/qbo-types";
import { mapRecords } from "../src/records";
import creditMemoApplied from "./fixtures/creditmemo-applied.json";
import customerEmails from "./fixtures/customer-emails.json";
import customerNoEmail from "./fixtures/customer-no-email.json";
import invoiceJpy from "./fixtures/invoice-jpy.json";
import invoiceMulticurrency from "./fixtures/invoice-multicurrency.json";
import invoiceOpen from "./fixtures/invoice-open.json";
import invoiceVoided from "./fixtures/invoice-voided.json";
import paymentCreditApplied from "./fixtures/payment-credit-applied.json";
import paymentPartial from "./fixtures/payment-partial.json";

const usd = { homeCurrency: "USD" };

describe("Customer → Debtor", () => {
  it("splits several addresses, drops the invalid one, maps the US address and marks a company b2b", () => {
    const debtor = mapCustomer(qboCustomerSchema.parse(customerEmails));
    expect(debtor).toEqual({
      externalId: "1",
      name: "Amy's Bird Sanctuary",
      emails: ["Birds@Intuit.com", "accounts@birds.example"],
      phone: "(650) 555-3311",
      language: "en",
      kind: "b2b",
      address: { lines: ["4581 Finch St."], postalCode: "94326", city: "Bayshore", region: "CA", country: "US" },
      tags: [],
    });
  });

  it("maps a customer without email, a free-text country and an inactive flag", () => {
    const debtor = mapCustomer(qboCustomerSchema.parse(customerNoEmail));
    expect(debtor.emails).toEqual([]);
    expect(debtor.kind).toBeUndefined();
    expect(debtor.address).toEqual({
      lines: ["12 Harbour Road", "Flat 3"],
      postalCode: "BN1 1AA",
      city: "Brighton",
      country: "GB",
    });
    expect(debtor.language).toBe("en");
    expect(debtor.tags).toEqual(["inactive"]);
  });

  it("keeps only valid, distinct addresses", () => {
    expect(splitEmails(" a@x.example ;a@x.example,, b@y.example , nope@")).toEqual(["a@x.example", "b@y.example"]);
    expect(splitEmails(undefined)).toEqual([]);
  });
});

describe("Invoice → Invoice", () => {
  it("maps an open, partly paid invoice of a single-currency company in the home currency", () => {
    expect(mapInvoice(qboInvoiceSchema.parse(invoiceOpen), usd)).toEqual({
      externalId: "239",
      number: "1070",
      debtorExternalId: "1",
      currency: "USD",
      totalMinor: 15000,
      balanceMinor: 10050,
      issueDate: "2015-07-24",
      dueDate: "2015-08-23",
      status: "open",
    });
  });

  it("uses CurrencyRef in a multicurrency company and says paid at zero balance", () => {
    const invoice = mapInvoice(qboInvoiceSchema.parse(invoiceMulticurrency), usd);
    expect(invoice).toMatchObject({ currency: "EUR", totalMinor: 123456, balanceMinor: 0, status: "paid", number: "EU-1002" });
  });

  it("respects the currency exponent (JPY has none)", () => {
    expect(mapInvoice(qboInvoiceSchema.parse(invoiceJpy), usd)).toMatchObject({
      currency: "JPY",
      totalMinor: 125000,
      balanceMinor: 125000,
    });
  });

  it("recognises a voided invoice", () => {
    expect(mapInvoice(qboInvoiceSchema.parse(invoiceVoided), usd)).toMatchObject({
      status: "void",
      totalMinor: 0,
      balanceMinor: 0,
    });
  });

  it("converts amounts exactly, never through float multiplication", () => {
    expect(toMinor(0.29, "USD")).toBe(29);
    expect(toMinor(1.005, "USD")).toBe(101);
    expect(toMinor(19.99, "EUR")).toBe(1999);
    expect(toMinor(12.345, "KWD")).toBe(12345);
  });
});

describe("Payment → Payment records", () => {
  it("gives one record per invoice for partial payments", () => {
    const mapped = mapPayment(qboPaymentSchema.parse(paymentPartial), usd);
    expect(mapped.payments).toEqual([
      {
        externalId: "120:239",
        invoiceExternalId: "239",
        currency: "USD",
        amountMinor: 4950,
        date: "2015-07-28",
        status: "posted",
      },
      {
        externalId: "120:240",
        invoiceExternalId: "240",
        currency: "USD",
        amountMinor: 2500,
        date: "2015-07-28",
        status: "posted",
      },
    ]);
    expect(mapped.creditAllocations).toEqual([]);
  });

  it("separates a credit memo applied through a payment from the money paid", () => {
    const mapped = mapPayment(qboPaymentSchema.parse(paymentCreditApplied), usd);
    expect(mapped.payments).toEqual([
      {
        externalId: "130:239",
        invoiceExternalId: "239",
        currency: "USD",
        amountMinor: 2000,
        date: "2015-08-02",
        status: "posted",
      },
    ]);
    expect(mapped.creditAllocations).toEqual([{ creditMemoExternalId: "73", invoiceExternalId: "239", amountMinor: 8050 }]);
  });
});

describe("CreditMemo → CreditNote", () => {
  it("is applied when its balance is zero, with allocations from the payment that applied it", () => {
    const records = mapRecords(
      {
        Customer: [],
        Invoice: [],
        CreditMemo: [qboCreditMemoSchema.parse(creditMemoApplied)],
        Payment: [qboPaymentSchema.parse(paymentCreditApplied)],
      },
      usd,
    );
    expect(records.creditNotes).toEqual([
      {
        externalId: "73",
        number: "1026",
        debtorExternalId: "1",
        currency: "USD",
        totalMinor: 8050,
        remainingMinor: 0,
        issueDate: "2014-09-02",
        status: "applied",
        allocations: [{ invoiceExternalId: "239", amountMinor: 8050 }],
      },
    ]);
  });

  it("is open with its remaining balance when not applied, void when voided", () => {
    const open = mapCreditMemo(qboCreditMemoSchema.parse({ ...creditMemoApplied, Balance: 30, RemainingCredit: 30 }), usd);
    expect(open).toMatchObject({ status: "open", remainingMinor: 3000, allocations: [] });
    const voided = mapCreditMemo(
      qboCreditMemoSchema.parse({ ...creditMemoApplied, TotalAmt: 0, Balance: 0, PrivateNote: "Voided" }),
      usd,
    );
    expect(voided.status).toBe("void");
  });
});

describe("records that cannot be mapped", () => {
  it("are skipped with a reason instead of failing the page", () => {
    const records = mapRecords(
      {
        Customer: [],
        Invoice: [
          qboInvoiceSchema.parse({ ...invoiceOpen, Id: "999", TxnDate: "24/07/2015" }),
          qboInvoiceSchema.parse(invoiceOpen),
        ],
        CreditMemo: [],
        Payment: [],
      },
      usd,
    );
    expect(records.invoices.map((invoice) => invoice.externalId)).toEqual(["239"]);
    expect(records.skipped.map((error) => error.message)).toEqual(['QuickBooks Invoice 999: TxnDate "24/07/2015" is not a date']);
  });
});
