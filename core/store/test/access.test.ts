import { createHash } from "node:crypto";
import { generateKeyring, getConnection, reencryptConnectionSecrets, type Store } from "@relance/store";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestStore, testEngines } from "../../../test/support/database";
import { makeTenant } from "./fixtures";

describe.each(testEngines())("API keys and connections on %s", (engine) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(engine);
  });
  afterAll(async () => {
    await store?.close();
  });

  it("shows a key once, stores only its SHA-256, and authenticates it", async () => {
    const tenant = await makeTenant(store);
    const created = await store.createApiKey(tenant.id, "CI");
    expect(created.key).toMatch(/^rk_[0-9A-Za-z]{8}_[0-9A-Za-z]{32}$/);
    expect(created.key.startsWith(`rk_${created.prefix}_`)).toBe(true);

    const { rows } = await sql<Record<string, unknown>>`SELECT * FROM api_keys WHERE id = ${created.id}`.execute(store.db);
    expect(rows).toHaveLength(1);
    const row = rows[0] as Record<string, unknown>;
    expect(row.hash).toBe(createHash("sha256").update(created.key).digest("hex"));
    const secretPart = created.key.slice(-32);
    expect(JSON.stringify(rows)).not.toContain(secretPart);

    expect(await store.authenticateApiKey(created.key)).toEqual({ tenantId: tenant.id, keyId: created.id });
    const [listed] = await store.listApiKeys(tenant.id);
    expect(listed).toMatchObject({ id: created.id, label: "CI", prefix: created.prefix, revokedAt: null });
    expect(listed?.lastUsedAt).toBeInstanceOf(Date);
    expect(JSON.stringify(listed)).not.toContain(secretPart);
  });

  it("refuses wrong, malformed and revoked keys", async () => {
    const tenant = await makeTenant(store);
    const { id, key } = await store.createApiKey(tenant.id, "laptop");
    const lastChar = key.at(-1) === "A" ? "B" : "A";
    expect(await store.authenticateApiKey(`${key.slice(0, -1)}${lastChar}`)).toBeUndefined();
    expect(await store.authenticateApiKey(`${key}x`)).toBeUndefined();
    expect(await store.authenticateApiKey("")).toBeUndefined();
    expect(await store.authenticateApiKey("rk_00000000_00000000000000000000000000000000")).toBeUndefined();

    const other = await makeTenant(store, "Other");
    expect(await store.revokeApiKey(other.id, id)).toBe(false);
    expect(await store.authenticateApiKey(key)).toBeDefined();
    expect(await store.revokeApiKey(tenant.id, id)).toBe(true);
    expect(await store.authenticateApiKey(key)).toBeUndefined();
    expect((await store.listApiKeys(tenant.id))[0]?.revokedAt).toBeInstanceOf(Date);
  });

  it("encrypts connection secrets, never lists them, and decrypts them on request", async () => {
    const tenant = await makeTenant(store);
    const secrets = { apiKey: "SG.very-secret-value", webhookKey: "whsec_123" };
    const created = await store.ensureConnection(tenant.id, {
      pluginId: "email-sendgrid",
      kind: "channel",
      name: "default",
      config: { fromEmail: "ar@example.test" },
      secrets,
    });
    expect(created).toMatchObject({ pluginId: "email-sendgrid", kind: "channel", hasSecrets: true, status: "active" });
    expect(JSON.stringify(created)).not.toContain("very-secret");

    const listed = await store.listConnections(tenant.id);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: created.id, config: { fromEmail: "ar@example.test" }, hasSecrets: true });
    expect(JSON.stringify(listed)).not.toContain("very-secret");
    expect(Object.keys(listed[0] ?? {})).not.toContain("secrets");

    const { rows } = await sql<{ secrets_ciphertext: string; secrets_key_id: string }>`
      SELECT secrets_ciphertext, secrets_key_id FROM connections WHERE id = ${created.id}`.execute(store.db);
    expect(rows[0]?.secrets_ciphertext.startsWith(`v1:${rows[0]?.secrets_key_id}:`)).toBe(true);
    expect(rows[0]?.secrets_ciphertext).not.toContain("very-secret");

    const connection = await store.getConnection(tenant.id, created.id);
    expect(connection?.secrets()).toEqual(secrets);
    expect(JSON.stringify(connection)).not.toContain("very-secret");

    // Upsert by (plugin, name): settings change, secrets are kept unless given.
    const updated = await store.ensureConnection(tenant.id, {
      pluginId: "email-sendgrid",
      kind: "channel",
      name: "default",
      config: { fromEmail: "billing@example.test" },
    });
    expect(updated.id).toBe(created.id);
    expect((await store.getConnection(tenant.id, created.id))?.secrets()).toEqual(secrets);
    expect(await store.updateConnectionSecrets(tenant.id, created.id, { apiKey: "SG.rotated" })).toBe(true);
    expect((await store.getConnection(tenant.id, created.id))?.secrets()).toEqual({ apiKey: "SG.rotated" });
  });

  it("binds a secret envelope to its connection: copied to another row it does not decrypt", async () => {
    const tenant = await makeTenant(store);
    const victim = await store.ensureConnection(tenant.id, {
      pluginId: "letter-lob",
      kind: "channel",
      name: "a",
      config: {},
      secrets: { apiKey: "live_secret" },
    });
    const other = await store.ensureConnection(tenant.id, {
      pluginId: "letter-lob",
      kind: "channel",
      name: "b",
      config: {},
      secrets: {},
    });
    await sql`UPDATE connections SET secrets_ciphertext = (SELECT secrets_ciphertext FROM connections WHERE id = ${victim.id})
      WHERE id = ${other.id}`.execute(store.db);
    const copied = await store.getConnection(tenant.id, other.id);
    expect(() => copied?.secrets()).toThrow(/failed authentication/);
  });

  it("re-encrypts every secret under the new primary key after a rotation", async () => {
    const tenant = await makeTenant(store);
    const connection = await store.ensureConnection(tenant.id, {
      pluginId: "xero",
      kind: "connector",
      name: "books",
      config: {},
      secrets: { refreshToken: "r1" },
    });
    const damaged = await store.ensureConnection(tenant.id, {
      pluginId: "xero",
      kind: "connector",
      name: "damaged",
      config: {},
      secrets: { refreshToken: "r2" },
    });
    await sql`UPDATE connections SET name = 'renamed behind our back' WHERE id = ${damaged.id}`.execute(store.db);
    const oldKeyring = store.keyring;
    if (!oldKeyring) throw new Error("test store has a keyring");
    const fresh = generateKeyring("k-next");
    const rotated = { primaryKeyId: "k-next", keys: new Map([...fresh.keys, ...oldKeyring.keys]) };
    const first = await reencryptConnectionSecrets(store.db, rotated);
    expect(first.reencrypted).toBeGreaterThanOrEqual(1);
    expect(first.failed.map((item) => item.connectionId)).not.toContain(connection.id);
    expect(first.failed).toContainEqual({
      tenantId: tenant.id,
      connectionId: damaged.id,
      reason: expect.stringMatching(/authentication/),
    });
    const second = await reencryptConnectionSecrets(store.db, rotated);
    expect(second.reencrypted).toBe(0);
    const onlyNewKey = { primaryKeyId: "k-next", keys: fresh.keys };
    expect((await getConnection(store.db, onlyNewKey, tenant.id, connection.id))?.secrets()).toEqual({ refreshToken: "r1" });
  });

  it("records the sync watermark and status of a connection", async () => {
    const tenant = await makeTenant(store);
    const connection = await store.ensureConnection(tenant.id, {
      pluginId: "csv",
      kind: "connector",
      name: "upload",
      config: {},
    });
    expect(connection).toMatchObject({ watermark: null, lastSyncedAt: null, hasSecrets: false });
    expect(await store.recordSyncWatermark(tenant.id, connection.id, "2024-05-01T00:00:00Z")).toBe(true);
    expect(await store.setConnectionStatus(tenant.id, connection.id, "disabled")).toBe(true);
    const [listed] = await store.listConnections(tenant.id);
    expect(listed).toMatchObject({ watermark: "2024-05-01T00:00:00Z", status: "disabled" });
    expect(listed?.lastSyncedAt).toBeInstanceOf(Date);
    expect((await store.getConnection(tenant.id, connection.id))?.secrets()).toEqual({});
  });

  it("refuses duplicate tenant slugs", async () => {
    const tenant = await makeTenant(store);
    await expect(
      store.createTenant({
        name: "Copy",
        slug: tenant.slug,
        defaultLanguage: "en",
        senderName: "x",
        senderEmail: "x@example.test",
      }),
    ).rejects.toMatchObject({ code: "conflict" });
    expect(await store.findTenantBySlug(tenant.slug)).toEqual(tenant);
    expect(await store.getTenant(tenant.id)).toEqual(tenant);
  });
});
