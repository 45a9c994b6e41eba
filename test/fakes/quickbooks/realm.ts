/**
 * One fake QuickBooks company: seed and change its records the way QuickBooks would (SyncToken and
 * MetaData.LastUpdatedTime move on every change; a payment lowers the balances it applies to; voiding
 * zeroes the amounts and notes "Voided"; deleting leaves a tombstone for change data capture).
 */
import { type EntityName, intuitTime, type QboRecord, round2 } from "./ledger";

export interface CustomerSeed {
  readonly id?: string;
  readonly displayName: string;
  readonly companyName?: string;
  /** Several addresses may share the field, comma-separated, as QBO's UI allows. */
  readonly email?: string;
  readonly phone?: string;
  readonly billAddr?: Readonly<Record<string, string>>;
  readonly currency?: string;
  readonly active?: boolean;
  readonly updatedAt?: Date;
}

export interface InvoiceSeed {
  readonly id?: string;
  readonly customerId: string;
  readonly docNumber?: string;
  readonly txnDate: string;
  readonly dueDate?: string;
  readonly amount: number;
  /** Defaults to the amount; payments recorded through `addPayment` lower it. */
  readonly balance?: number;
  readonly currency?: string;
  readonly privateNote?: string;
  readonly updatedAt?: Date;
}

export interface CreditMemoSeed {
  readonly id?: string;
  readonly customerId: string;
  readonly docNumber?: string;
  readonly txnDate: string;
  readonly amount: number;
  readonly balance?: number;
  readonly currency?: string;
  readonly updatedAt?: Date;
}

export interface PaymentSeed {
  readonly id?: string;
  readonly customerId: string;
  readonly txnDate: string;
  /** Money applied to invoices. */
  readonly invoices: readonly { readonly invoiceId: string; readonly amount: number }[];
  /** Credit memos applied in the same payment (QBO records a credit application this way). */
  readonly creditMemos?: readonly { readonly creditMemoId: string; readonly amount: number }[];
  readonly currency?: string;
  readonly updatedAt?: Date;
}

export interface Tombstone {
  readonly entity: EntityName;
  readonly id: string;
  readonly deletedAt: number;
}

export class FakeRealm {
  readonly records: Record<EntityName, Map<string, QboRecord>> = {
    Customer: new Map(),
    Invoice: new Map(),
    Payment: new Map(),
    CreditMemo: new Map(),
  };
  readonly tombstones: Tombstone[] = [];
  companyName: string;
  homeCurrency: string;
  /** When false, records are seeded without CurrencyRef, like a single-currency company's. */
  multiCurrency: boolean;
  private nextId = 1;
  private nextDocNumber = 1001;

  constructor(
    readonly realmId: string,
    options: { companyName: string; homeCurrency: string; multiCurrency: boolean },
    private readonly now: () => Date,
  ) {
    this.companyName = options.companyName;
    this.homeCurrency = options.homeCurrency;
    this.multiCurrency = options.multiCurrency;
  }

  newId(): string {
    return String(this.nextId++);
  }

  newDocNumber(): string {
    return String(this.nextDocNumber++);
  }

  private claimId(id: string | undefined): string {
    if (id === undefined) return this.newId();
    if (/^\d+$/.test(id)) this.nextId = Math.max(this.nextId, Number(id) + 1);
    return id;
  }

  private meta(at: Date | undefined) {
    const time = intuitTime((at ?? this.now()).getTime());
    return { CreateTime: time, LastUpdatedTime: time };
  }

  private currencyRef(currency: string | undefined) {
    const code = currency ?? this.homeCurrency;
    return this.multiCurrency || code !== this.homeCurrency ? { CurrencyRef: { value: code, name: code } } : {};
  }

  /** Stores a record as given (no bookkeeping): for recorded payloads. */
  put(entity: EntityName, record: QboRecord): QboRecord {
    this.claimId(record.Id);
    this.records[entity].set(record.Id, record);
    return record;
  }

  get(entity: EntityName, id: string): QboRecord | undefined {
    return this.records[entity].get(id);
  }

  list(entity: EntityName): QboRecord[] {
    return [...this.records[entity].values()];
  }

  addCustomer(seed: CustomerSeed): QboRecord {
    const id = this.claimId(seed.id);
    const record: QboRecord = {
      Id: id,
      SyncToken: "0",
      domain: "QBO",
      sparse: false,
      DisplayName: seed.displayName,
      FullyQualifiedName: seed.displayName,
      PrintOnCheckName: seed.companyName ?? seed.displayName,
      ...(seed.companyName ? { CompanyName: seed.companyName } : {}),
      ...(seed.email ? { PrimaryEmailAddr: { Address: seed.email } } : {}),
      ...(seed.phone ? { PrimaryPhone: { FreeFormNumber: seed.phone } } : {}),
      ...(seed.billAddr ? { BillAddr: { Id: this.newId(), ...seed.billAddr } } : {}),
      Active: seed.active ?? true,
      Taxable: false,
      Job: false,
      BillWithParent: false,
      Balance: 0,
      BalanceWithJobs: 0,
      PreferredDeliveryMethod: "Print",
      ...this.currencyRef(seed.currency),
      MetaData: this.meta(seed.updatedAt),
    };
    return this.put("Customer", record);
  }

  addCustomers(seeds: readonly CustomerSeed[]): QboRecord[] {
    return seeds.map((seed) => this.addCustomer(seed));
  }

  private salesLine(amount: number, description?: string) {
    return [
      {
        Id: "1",
        LineNum: 1,
        Amount: amount,
        DetailType: "SalesItemLineDetail",
        ...(description ? { Description: description } : {}),
        SalesItemLineDetail: {
          ItemRef: { value: "1", name: "Services" },
          Qty: 1,
          UnitPrice: amount,
          TaxCodeRef: { value: "NON" },
        },
      },
      { Amount: amount, DetailType: "SubTotalLineDetail", SubTotalLineDetail: {} },
    ];
  }

  addInvoice(seed: InvoiceSeed): QboRecord {
    const id = this.claimId(seed.id);
    const customer = this.get("Customer", seed.customerId);
    const record: QboRecord = {
      Id: id,
      SyncToken: "0",
      domain: "QBO",
      sparse: false,
      DocNumber: seed.docNumber ?? this.newDocNumber(),
      TxnDate: seed.txnDate,
      DueDate: seed.dueDate ?? seed.txnDate,
      ...this.currencyRef(seed.currency),
      CustomerRef: { value: seed.customerId, ...(customer ? { name: customer.DisplayName } : {}) },
      Line: this.salesLine(seed.amount),
      TxnTaxDetail: { TotalTax: 0 },
      TotalAmt: seed.amount,
      Balance: seed.balance ?? seed.amount,
      Deposit: 0,
      LinkedTxn: [],
      ApplyTaxAfterDiscount: false,
      PrintStatus: "NeedToPrint",
      EmailStatus: "NotSet",
      ...(seed.privateNote ? { PrivateNote: seed.privateNote } : {}),
      MetaData: this.meta(seed.updatedAt),
    };
    return this.put("Invoice", record);
  }

  addInvoices(seeds: readonly InvoiceSeed[]): QboRecord[] {
    return seeds.map((seed) => this.addInvoice(seed));
  }

  addCreditMemo(seed: CreditMemoSeed): QboRecord {
    const id = this.claimId(seed.id);
    const record: QboRecord = {
      Id: id,
      SyncToken: "0",
      domain: "QBO",
      sparse: false,
      DocNumber: seed.docNumber ?? this.newDocNumber(),
      TxnDate: seed.txnDate,
      ...this.currencyRef(seed.currency),
      CustomerRef: { value: seed.customerId },
      Line: this.salesLine(seed.amount),
      TotalAmt: seed.amount,
      Balance: seed.balance ?? seed.amount,
      RemainingCredit: seed.balance ?? seed.amount,
      ApplyTaxAfterDiscount: false,
      PrintStatus: "NeedToPrint",
      EmailStatus: "NotSet",
      MetaData: this.meta(seed.updatedAt),
    };
    return this.put("CreditMemo", record);
  }

  /** Records a payment and lowers the balances of what it applies to, as QuickBooks does. */
  addPayment(seed: PaymentSeed): QboRecord {
    const id = this.claimId(seed.id);
    const money = round2(seed.invoices.reduce((sum, line) => sum + line.amount, 0));
    const credit = round2((seed.creditMemos ?? []).reduce((sum, line) => sum + line.amount, 0));
    const lines = [
      ...seed.invoices.map((line) => ({ Amount: line.amount, LinkedTxn: [{ TxnId: line.invoiceId, TxnType: "Invoice" }] })),
      ...(seed.creditMemos ?? []).map((line) => ({
        Amount: line.amount,
        LinkedTxn: [{ TxnId: line.creditMemoId, TxnType: "CreditMemo" }],
      })),
    ];
    const record: QboRecord = {
      Id: id,
      SyncToken: "0",
      domain: "QBO",
      sparse: false,
      TxnDate: seed.txnDate,
      ...this.currencyRef(seed.currency),
      CustomerRef: { value: seed.customerId },
      // What the invoices received less the credits used: the money that moved.
      TotalAmt: round2(money - credit),
      UnappliedAmt: 0,
      ProcessPayment: false,
      Line: lines,
      MetaData: this.meta(seed.updatedAt),
    };
    for (const line of seed.invoices) {
      this.modify(
        "Invoice",
        line.invoiceId,
        (invoice) => ({
          Balance: round2(Number(invoice.Balance) - line.amount),
          LinkedTxn: [...(Array.isArray(invoice.LinkedTxn) ? invoice.LinkedTxn : []), { TxnId: id, TxnType: "Payment" }],
        }),
        seed.updatedAt,
      );
    }
    for (const line of seed.creditMemos ?? []) {
      this.modify(
        "CreditMemo",
        line.creditMemoId,
        (memo) => {
          const balance = round2(Number(memo.Balance) - line.amount);
          return { Balance: balance, RemainingCredit: balance };
        },
        seed.updatedAt,
      );
    }
    return this.put("Payment", record);
  }

  /** Changes fields of a record like a user edit: SyncToken + 1, LastUpdatedTime = now (or `at`). */
  modify(
    entity: EntityName,
    id: string,
    patch: Record<string, unknown> | ((record: QboRecord) => Record<string, unknown>),
    at?: Date,
  ): QboRecord {
    const record = this.get(entity, id);
    if (!record) throw new Error(`fake QuickBooks: no ${entity} ${id} in realm ${this.realmId}`);
    const changes = typeof patch === "function" ? patch(record) : patch;
    const updated: QboRecord = {
      ...record,
      ...changes,
      Id: record.Id,
      SyncToken: String(Number(record.SyncToken) + 1),
      MetaData: { CreateTime: record.MetaData.CreateTime, LastUpdatedTime: intuitTime((at ?? this.now()).getTime()) },
    };
    this.records[entity].set(id, updated);
    return updated;
  }

  /** QuickBooks keeps a voided transaction with zero amounts and "Voided" in its private note. */
  voidTransaction(entity: "Invoice" | "CreditMemo" | "Payment", id: string, at?: Date): QboRecord {
    return this.modify(
      entity,
      id,
      (record) => ({
        TotalAmt: 0,
        Balance: 0,
        ...(entity === "CreditMemo" ? { RemainingCredit: 0 } : {}),
        PrivateNote: `Voided${typeof record.PrivateNote === "string" && record.PrivateNote ? ` - ${record.PrivateNote}` : ""}`,
        Line: Array.isArray(record.Line)
          ? record.Line.map((line: unknown) => (typeof line === "object" && line !== null ? { ...line, Amount: 0 } : line))
          : [],
      }),
      at,
    );
  }

  delete(entity: EntityName, id: string, at?: Date): void {
    if (!this.records[entity].delete(id)) throw new Error(`fake QuickBooks: no ${entity} ${id} to delete`);
    this.tombstones.push({ entity, id, deletedAt: (at ?? this.now()).getTime() });
  }

  companyInfo() {
    return {
      Id: "1",
      SyncToken: "1",
      domain: "QBO",
      sparse: false,
      CompanyName: this.companyName,
      LegalName: this.companyName,
      Country: "US",
      CompanyAddr: { Id: "1", Line1: "123 Sierra Way", City: "San Pablo", CountrySubDivisionCode: "CA", PostalCode: "87999" },
      SupportedLanguages: "en",
      MetaData: { CreateTime: "2015-06-05T13:55:54-07:00", LastUpdatedTime: intuitTime(this.now().getTime()) },
    };
  }

  preferences() {
    return {
      Id: "1",
      SyncToken: "1",
      domain: "QBO",
      sparse: false,
      CurrencyPrefs: { MultiCurrencyEnabled: this.multiCurrency, HomeCurrency: { value: this.homeCurrency } },
      SalesFormsPrefs: { DefaultTerms: { value: "3" } },
      MetaData: { CreateTime: "2015-06-05T13:55:54-07:00", LastUpdatedTime: intuitTime(this.now().getTime()) },
    };
  }
}
