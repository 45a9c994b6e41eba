/**
 * One Xero authorisation opening two organisations, on the real system with the real xero-node against
 * the fake Xero: the callback connects nothing and lists the organisations; the tenant chooses them one
 * at a time (an unknown id is refused), each becomes a connection of the same grant that syncs only its
 * own organisation. The grant's rotating refresh token is refreshed once for twenty concurrent callers
 * across two token services (two processes), and a crash between the provider's answer and the save is
 * recovered by refreshing again from the stored token within Xero's grace period.
 */

import { xeroConnector } from "@relance/connector-xero";
import type { OAuthFlow, OAuthTokens } from "@relance/core";
import { addDays, calendarDateOf } from "@relance/core";
import { GrantTokens } from "@relance/server/ledger/grant-tokens";
import { createLogger } from "@relance/server/logger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeXero, startFakeXero } from "../fakes/xero";
import { readJson } from "../support/json";
import { consentThroughBrowser, xeroEnv } from "../support/ledger-apps";
import { eventually, type System, startSystem } from "../support/system";

const DAY_MS = 2000;
const REDIRECT = "http://127.0.0.1:9/oauth/xero/callback";
const today = calendarDateOf(Date.now());
const due = (days: number) => addDays(today, days);

describe("Xero with several organisations", () => {
  let fake: FakeXero;
  let system: System;
  let north = "";
  let south = "";
  let grantId = "";
  const connectionIds: Record<string, string> = {};
  const contacts: Record<string, string> = {};

  const tenantId = () => system.tenant.id;
  const store = () => system.runtime.store;

  async function debtorExternalIds(): Promise<string[]> {
    const page = await readJson(await system.request("/v1/debtors?limit=100"));
    return page.items.map((item: { externalId: string }) => item.externalId).sort();
  }

  async function connection(id: string) {
    return readJson(await system.request(`/v1/connections/${id}`));
  }

  async function storedTokens(): Promise<OAuthTokens> {
    const grant = await store().getGrant(tenantId(), grantId);
    if (!grant) throw new Error("no grant");
    return grant.tokens();
  }

  /** The tokens stored as if their access token had run out (and the provider's too). */
  async function expireEverywhere(): Promise<OAuthTokens> {
    fake.expireAccessTokens();
    const stored = await storedTokens();
    await store().saveGrantTokens(tenantId(), grantId, { ...stored, expiresAt: Date.now() - 60_000 });
    return stored;
  }

  const chooseAccounts = (accountIds: string[]) =>
    system.request(`/v1/grants/${grantId}/connections`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ accountIds }),
    });

  /** No sync running: every connection's last sync workflow has finished. */
  async function syncsSettled() {
    await eventually(
      "the syncs settled",
      async () => {
        const running = await system.temporal.client.workflow
          .list({ query: "WorkflowType = 'connectionSync' AND ExecutionStatus = 'Running'" })
          [Symbol.asyncIterator]()
          .next();
        return running.done ? true : undefined;
      },
      30_000,
      250,
    );
  }

  beforeAll(async () => {
    fake = await startFakeXero({
      organisations: [{ name: "North Ltd" }, { name: "South Ltd" }],
      redirectUris: [REDIRECT],
    });
    north = fake.organisations[0]?.tenantId as string;
    south = fake.organisations[1]?.tenantId as string;
    for (const [org, name] of [
      [north, "N"],
      [south, "S"],
    ] as const) {
      const ledger = fake.ledger(org);
      contacts[name] = ledger.addContact({ name: `Debtor ${name}`, email: `${name.toLowerCase()}@debtors.example` }).contactId;
      // Due in two months: no reminder (and no note written back) uses the grant while the tests run.
      ledger.addInvoice({
        contactId: contacts[name] as string,
        number: `${name}-1`,
        total: "210.00",
        date: today,
        dueDate: due(60),
      });
    }
    system = await startSystem({
      engine: "pglite",
      dayMs: DAY_MS,
      env: xeroEnv(fake, REDIRECT),
    });
  });
  afterAll(async () => {
    await system?.close();
    await fake?.close();
  });

  it("lists both organisations on the callback and connects none of them yet", async () => {
    const { cookie, callback } = await consentThroughBrowser(system, "xero");
    const done = await system.api.request(callback, { headers: { cookie } });
    expect(done.status).toBe(200);
    const outcome = await readJson(done);
    expect(outcome.connections).toEqual([]);
    expect(outcome.accounts).toEqual(
      expect.arrayContaining([
        { id: north, name: "North Ltd" },
        { id: south, name: "South Ltd" },
      ]),
    );
    expect(outcome.accounts).toHaveLength(2);
    expect(outcome.next).toContain(`/v1/grants/${outcome.grantId}/connections`);
    grantId = outcome.grantId;
    expect((await readJson(await system.request("/v1/connections"))).items).toEqual([]);
  });

  it("refuses an organisation the authorisation does not open, naming it", async () => {
    const refused = await chooseAccounts(["not-an-organisation"]);
    expect(refused.status).toBe(422);
    const problem = await readJson(refused);
    expect(problem.errors).toEqual([
      expect.objectContaining({ path: "accountIds", message: expect.stringContaining('"not-an-organisation"') }),
    ]);
    expect((await readJson(await system.request("/v1/connections"))).items).toEqual([]);
  });

  it("connects the chosen organisation, which syncs only its own ledger", async () => {
    const chosen = await chooseAccounts([north]);
    expect(chosen.status).toBe(201);
    const { connections } = await readJson(chosen);
    expect(connections).toEqual([expect.objectContaining({ accountId: north, accountName: "North Ltd", created: true })]);
    connectionIds.north = connections[0].connectionId;
    await eventually(
      "North synced",
      async () => ((await connection(connectionIds.north as string)).lastSyncedAt ? true : undefined),
      60_000,
      250,
    );
    expect(await debtorExternalIds()).toEqual([contacts.N]);
    // Every accounting call named North; none asked for South.
    const tenants = new Set(fake.apiCalls().map((call) => call.headers.tenantId));
    expect([...tenants]).toEqual([north]);
  });

  it("connects the second organisation on the same grant", async () => {
    const chosen = await chooseAccounts([south]);
    expect(chosen.status).toBe(201);
    const { connections } = await readJson(chosen);
    expect(connections).toEqual([expect.objectContaining({ accountId: south, accountName: "South Ltd", created: true })]);
    connectionIds.south = connections[0].connectionId;
    await eventually(
      "South synced",
      async () => ((await connection(connectionIds.south as string)).lastSyncedAt ? true : undefined),
      60_000,
      250,
    );
    expect(await debtorExternalIds()).toEqual([contacts.N, contacts.S].sort());
    const stored = await store().listConnections(tenantId(), { kind: "connector" });
    expect(stored.map((item) => [item.accountId, item.grantId]).sort()).toEqual(
      [
        [north, grantId],
        [south, grantId],
      ].sort(),
    );
    expect(await store().db.selectFrom("oauth_grants").select("id").execute()).toEqual([{ id: grantId }]);
    // Choosing an organisation again keeps its connection (and syncs it once more).
    const lastSynced = (await connection(connectionIds.north as string)).lastSyncedAt;
    const again = await chooseAccounts([north]);
    expect(again.status).toBe(201);
    expect((await readJson(again)).connections).toEqual([
      expect.objectContaining({ connectionId: connectionIds.north, created: false }),
    ]);
    await eventually(
      "North synced again",
      async () => ((await connection(connectionIds.north as string)).lastSyncedAt !== lastSynced ? true : undefined),
      30_000,
      250,
    );
    expect(await debtorExternalIds()).toEqual([contacts.N, contacts.S].sort());
  });

  it("refreshes the grant once for twenty concurrent callers in two processes", async () => {
    // No scheduled sync may refresh behind the test's back: the schedules pause until the last test.
    for (const id of Object.values(connectionIds)) await system.runtime.ledgers.schedules.pause(tenantId(), id, "test");
    await syncsSettled();
    const before = await expireEverywhere();
    const refreshesBefore = fake.refreshCalls;
    const here = system.runtime.ledgers.tokens;
    const hereBefore = here.refreshes;
    // This process's cache still believes the old token; a restart or another process would not.
    here.forget(grantId);
    const there = new GrantTokens({
      store: store(),
      registry: system.runtime.apiServices.registry,
      logger: createLogger({ level: "warn", format: "json" }),
    });
    const results = await Promise.all([
      ...Array.from({ length: 10 }, () => here.current(tenantId(), grantId)),
      ...Array.from({ length: 10 }, () => there.current(tenantId(), grantId)),
    ]);
    expect(fake.refreshCalls).toBe(refreshesBefore + 1);
    expect(here.refreshes - hereBefore + there.refreshes).toBe(1);
    const accessTokens = new Set(results.map((tokens) => tokens.accessToken));
    expect(accessTokens.size).toBe(1);
    const [fresh] = results as [OAuthTokens];
    expect(fresh.accessToken).not.toBe(before.accessToken);
    expect(fresh.refreshToken).not.toBe(before.refreshToken);
    expect(fresh.expiresAt).toBeGreaterThan(Date.now());
    const stored = await storedTokens();
    expect(stored.accessToken).toBe(fresh.accessToken);
    expect(stored.refreshToken).toBe(fresh.refreshToken);
  });

  it("recovers from a crash between the refresh and the save through Xero's grace period", async () => {
    await syncsSettled();
    const app = system.runtime.apiServices.registry.app("xero");
    const oauth = xeroConnector.oauth as OAuthFlow<unknown>;
    const before = await storedTokens();
    const refreshesBefore = fake.refreshCalls;
    // The process refreshed, Xero rotated the refresh token, and the process died before saving.
    const lost = await oauth.refresh(app, before);
    expect(lost.refreshToken).not.toBe(before.refreshToken);
    expect(fake.refreshCalls).toBe(refreshesBefore + 1);
    // The restarted process finds the stored (old) tokens, expired.
    await expireEverywhere();
    const restarted = new GrantTokens({
      store: store(),
      registry: system.runtime.apiServices.registry,
      logger: createLogger({ level: "warn", format: "json" }),
    });
    const recovered = await restarted.current(tenantId(), grantId);
    expect(fake.refreshCalls).toBe(refreshesBefore + 2);
    expect(recovered.accessToken).not.toBe(before.accessToken);
    expect(recovered.accessToken).not.toBe(lost.accessToken);
    expect(recovered.refreshToken).not.toBe(before.refreshToken);
    expect(recovered.refreshToken).not.toBe(lost.refreshToken);
    const stored = await storedTokens();
    expect(stored).toMatchObject({ accessToken: recovered.accessToken, refreshToken: recovered.refreshToken });
    const grant = await store().getGrant(tenantId(), grantId);
    expect(grant?.status).toBe("active");

    // The recovered tokens work: a new invoice in South arrives on "sync now".
    system.runtime.ledgers.tokens.forget(grantId);
    for (const id of Object.values(connectionIds)) await system.runtime.ledgers.schedules.resume(tenantId(), id);
    const ledger = fake.ledger(south);
    const late = ledger.addContact({ name: "Debtor T", email: "t@debtors.example" }).contactId;
    ledger.addInvoice({ contactId: late, number: "T-1", total: "90.00", date: today, dueDate: due(60) });
    expect((await system.request(`/v1/connections/${connectionIds.south}/sync`, { method: "POST" })).status).toBe(202);
    await eventually("T synced", async () => ((await debtorExternalIds()).includes(late) ? true : undefined), 30_000, 250);
    expect(fake.refreshCalls).toBe(refreshesBefore + 2);
    for (const id of Object.values(connectionIds)) expect((await connection(id)).status).toBe("active");
  });
  it("flags a connection whose organisation was removed from the grant; the other keeps syncing", async () => {
    // The user removes South from the app in Xero: the grant no longer covers it (Xero answers 403).
    const grant = await store().getGrant(tenantId(), grantId);
    const xeroConnection = grant?.accounts.find((account) => account.id === south)?.grantId;
    const removed = await fetch(`${fake.apiBaseUrl}/connections/${xeroConnection}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${grant?.tokens().accessToken}` },
    });
    expect(removed.status).toBe(204);
    expect((await system.request(`/v1/connections/${connectionIds.south}/sync`, { method: "POST" })).status).toBe(202);
    const flagged = await eventually(
      "South flagged",
      async () => {
        const view = await connection(connectionIds.south as string);
        return view.status === "error" ? view : undefined;
      },
      30_000,
      250,
    );
    expect(flagged.statusReason).toMatch(/refused access.*reconnect/);
    const timeline = await readJson(await system.request("/v1/timeline?limit=50"));
    expect(timeline.items).toContainEqual(expect.objectContaining({ kind: "connection", status: "access_refused" }));
    const tasks = await readJson(await system.request("/v1/tasks?kind=reconnect_ledger&limit=50"));
    expect(tasks.items).toHaveLength(1);
    expect((await system.request(`/v1/connections/${connectionIds.south}/sync`, { method: "POST" })).status).toBe(409);
    // North is untouched and still syncs.
    expect((await connection(connectionIds.north as string)).status).toBe("active");
    expect((await system.request(`/v1/connections/${connectionIds.north}/sync`, { method: "POST" })).status).toBe(202);
  });
});
