import { type Logger, PluginRegistry, RelanceError } from "@relance/core";
import { describe, expect, it } from "vitest";
import { type CsvConnector, csvConnector } from "../src/index";

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function registry(): PluginRegistry {
  return new PluginRegistry().register(csvConnector);
}

describe("csvConnector", () => {
  it("is a connector plugin with no secrets nor hosts", () => {
    expect(csvConnector).toMatchObject({ id: "csv", kind: "connector", auth: { type: "none" }, allowedHosts: [] });
    expect(
      registry()
        .list("connector")
        .map((plugin) => plugin.id),
    ).toEqual(["csv"]);
  });

  it("connects to nothing and has no changes to list", async () => {
    const connector = await registry().create("csv", "connector", { config: {}, secrets: {}, logger: silent });
    await expect(connector.testConnection()).resolves.toBeUndefined();
    await expect(connector.listChanges({})).resolves.toEqual({ debtors: [], invoices: [], creditNotes: [], payments: [] });
  });

  it("parses files with the connection's settings", async () => {
    const config = { mapping: { Client: "debtor_name", "Montant HT": "amount" }, dateFormat: "mdy" };
    const connector = (await registry().create("csv", "connector", { config, secrets: {}, logger: silent })) as CsvConnector;
    const file = new TextEncoder().encode(
      "debtor_id;Client;debtor_email;invoice_number;currency;Montant HT;issue_date;due_date\nC1;Acme;;F-1;USD;10,00;03/15/2026;04/14/2026\n",
    );
    const batches = [];
    for await (const batch of connector.parse(file)) batches.push(batch);
    expect(batches).toEqual([
      {
        debtors: [{ externalId: "C1", name: "Acme", emails: [], tags: [] }],
        invoices: [
          {
            externalId: "F-1",
            number: "F-1",
            debtorExternalId: "C1",
            currency: "USD",
            totalMinor: 1000,
            balanceMinor: 1000,
            issueDate: "2026-03-15",
            dueDate: "2026-04-14",
            status: "open",
          },
        ],
      },
    ]);
    // Per-call options add to the stored settings.
    await expect(connector.parse(file, { maxBytes: 10 }).next()).rejects.toMatchObject({ code: "payload_too_large" });
  });

  it("refuses settings its schema does not accept", async () => {
    const create = registry().create("csv", "connector", {
      config: { mapping: { Client: "nom" }, encoding: "latin9" },
      secrets: {},
      logger: silent,
    });
    await expect(create).rejects.toBeInstanceOf(RelanceError);
    await expect(create).rejects.toMatchObject({ code: "validation_failed" });
    const error: unknown = await create.catch((caught: unknown) => caught);
    expect(error instanceof RelanceError && error.issues.map((issue) => issue.path)).toEqual([
      "config.mapping.Client",
      "config.encoding",
    ]);
  });
});
