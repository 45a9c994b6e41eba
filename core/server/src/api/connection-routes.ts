/**
 * Ledger connections: list and inspect them (status, last sync, why one is paused), connect Xero or
 * QuickBooks through OAuth, pick organisations, change settings, sync now, disconnect. Secrets and tokens
 * are never returned. The OAuth callback itself is public (the browser arrives from the provider) and
 * lives in `oauthRoutes`; it is bound to the browser that started the flow by an HttpOnly cookie.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { formatIssuePath, notFound, RelanceError } from "@relance/core";
import type { ConnectionSummary } from "@relance/store";
import { Hono } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { ApiEnv } from "./context";
import { problemResponses } from "./openapi";
import { validationHook } from "./problem";
import { pageQuerySchema } from "./schemas";
import type { ApiServices } from "./services";

const cookieName = (pluginId: string) => `relance_oauth_${pluginId.replace(/[^a-z0-9]/g, "_")}`;

const connectionSchema = z
  .object({
    id: z.uuid(),
    pluginId: z.string(),
    kind: z.enum(["connector", "channel", "agency"]),
    name: z.string(),
    status: z.enum(["active", "disabled", "error", "needs_reauth"]),
    statusReason: z.string().nullable(),
    accountId: z.string().nullable(),
    config: z.record(z.string(), z.unknown()),
    watermark: z.string().nullable(),
    lastSyncedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("Connection");

const connectedSchema = z
  .object({ connectionId: z.uuid(), accountId: z.string(), accountName: z.string(), created: z.boolean() })
  .openapi("ConnectedAccount");

const connectionIdParam = z.object({ connectionId: z.uuid() });

export function toConnectionView(connection: ConnectionSummary): z.infer<typeof connectionSchema> {
  return {
    id: connection.id,
    pluginId: connection.pluginId,
    kind: connection.kind,
    name: connection.name,
    status: connection.status,
    statusReason: connection.statusReason,
    accountId: connection.accountId,
    config: connection.config,
    watermark: connection.watermark,
    lastSyncedAt: connection.lastSyncedAt?.toISOString() ?? null,
    createdAt: connection.createdAt.toISOString(),
  };
}

export function connectionRoutes(services: ApiServices) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  const { store, ledgers } = services;

  async function mustGet(tenantId: string, connectionId: string) {
    const connection = await store.getConnection(tenantId, connectionId);
    if (!connection) throw notFound(`connection ${connectionId}`);
    return connection;
  }

  app.openapi(
    createRoute({
      method: "get",
      path: "/connections",
      tags: ["Connections"],
      summary: "The tenant's connections (ledgers, channels, agencies), with their status",
      security: [{ bearer: [] }],
      responses: {
        200: {
          description: "Connections",
          content: { "application/json": { schema: z.object({ items: z.array(connectionSchema) }) } },
        },
        ...problemResponses(401),
      },
    }),
    async (c) => c.json({ items: (await store.listConnections(c.get("tenantId"))).map(toConnectionView) }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/connections/{connectionId}",
      tags: ["Connections"],
      summary: "One connection",
      security: [{ bearer: [] }],
      request: { params: connectionIdParam },
      responses: {
        200: { description: "The connection", content: { "application/json": { schema: connectionSchema } } },
        ...problemResponses(401, 404, 422),
      },
    }),
    async (c) => c.json(toConnectionView(await mustGet(c.get("tenantId"), c.req.valid("param").connectionId)), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/timeline",
      tags: ["Connections"],
      summary: "The tenant's own timeline: what happened to its ledger connections (e.g. access refused), oldest first",
      security: [{ bearer: [] }],
      request: { query: pageQuerySchema },
      responses: {
        200: {
          description: "A page of tenant-level events",
          content: {
            "application/json": {
              schema: z.object({
                items: z.array(
                  z
                    .object({
                      at: z.string(),
                      kind: z.string(),
                      status: z.string().nullable(),
                      summary: z.string(),
                      detail: z.record(z.string(), z.unknown()),
                    })
                    .openapi("TenantEvent"),
                ),
                nextCursor: z.string().nullable(),
              }),
            },
          },
        },
        ...problemResponses(401, 422),
      },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const page = await store.listTimeline(c.get("tenantId"), null, { limit, ...(cursor ? { cursor } : {}) });
      return c.json(
        {
          items: page.items.map((entry) => ({
            at: entry.occurredAt.toISOString(),
            kind: entry.kind,
            status: entry.status,
            summary: entry.summary,
            detail: entry.detail,
          })),
          nextCursor: page.nextCursor,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/ledgers/{pluginId}/connect",
      tags: ["Connections"],
      summary: "Start connecting a ledger through OAuth: returns the consent URL to open in the browser",
      description:
        "The response sets an HttpOnly cookie that the browser must carry back to the callback: open the URL in the same browser.",
      security: [{ bearer: [] }],
      request: {
        params: z.object({ pluginId: z.string().regex(/^[a-z][a-z0-9-]*$/) }),
        body: {
          required: false,
          content: { "application/json": { schema: z.object({ name: z.string().min(1).max(200).optional() }).strict() } },
        },
      },
      responses: {
        201: {
          description: "Consent URL",
          content: {
            "application/json": {
              schema: z.object({ authorizationUrl: z.url(), expiresAt: z.string() }).openapi("ConnectStart"),
            },
          },
        },
        ...problemResponses(401, 404, 422, 503),
      },
    }),
    async (c) => {
      const { pluginId } = c.req.valid("param");
      const body = c.req.header("content-type")?.includes("json") ? c.req.valid("json") : {};
      const started = await ledgers.connect.start({
        tenantId: c.get("tenantId"),
        apiKeyId: c.get("apiKeyId"),
        pluginId,
        ...(body?.name ? { name: body.name } : {}),
      });
      setCookie(c, cookieName(pluginId), started.browserNonce, {
        httpOnly: true,
        sameSite: "Lax",
        secure: new URL(c.req.url).protocol === "https:",
        path: "/oauth",
        expires: started.expiresAt,
      });
      return c.json({ authorizationUrl: started.authorizationUrl, expiresAt: started.expiresAt.toISOString() }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/grants/{grantId}/connections",
      tags: ["Connections"],
      summary: "Connect the chosen organisations of an authorisation that opened several",
      security: [{ bearer: [] }],
      request: {
        params: z.object({ grantId: z.uuid() }),
        body: {
          content: { "application/json": { schema: z.object({ accountIds: z.array(z.string().min(1)).min(1) }).strict() } },
        },
      },
      responses: {
        201: {
          description: "Connections made",
          content: { "application/json": { schema: z.object({ connections: z.array(connectedSchema) }) } },
        },
        ...problemResponses(401, 404, 409, 422),
      },
    }),
    async (c) => {
      const connections = await ledgers.connect.choose(
        c.get("tenantId"),
        c.req.valid("param").grantId,
        c.req.valid("json").accountIds,
      );
      return c.json({ connections }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/connections/{connectionId}",
      tags: ["Connections"],
      summary: "Change a ledger connection's settings (e.g. which write-backs are on)",
      security: [{ bearer: [] }],
      request: {
        params: connectionIdParam,
        body: { content: { "application/json": { schema: z.object({ config: z.record(z.string(), z.unknown()) }).strict() } } },
      },
      responses: {
        200: { description: "The connection", content: { "application/json": { schema: connectionSchema } } },
        ...problemResponses(401, 404, 422),
      },
    }),
    async (c) => {
      const tenantId = c.get("tenantId");
      const { connectionId } = c.req.valid("param");
      const connection = await mustGet(tenantId, connectionId);
      const merged = mergeConfig(connection.config, c.req.valid("json").config);
      const manifest = services.registry.get(connection.pluginId, "connector");
      const parsed = manifest.configSchema.safeParse(merged);
      if (!parsed.success) {
        throw new RelanceError("validation_failed", "the settings are not valid for this connection", {
          issues: parsed.error.issues.map((issue) => ({ path: `config.${formatIssuePath(issue.path)}`, message: issue.message })),
        });
      }
      // The ledger account a connection reads is fixed by its authorisation.
      if (connection.accountId !== null && manifest.oauth) {
        const fixed = Object.keys(manifest.oauth.connectionConfig({ id: connection.accountId, name: "" }));
        const changed = fixed.filter(
          (key) => key in merged && JSON.stringify(merged[key]) !== JSON.stringify(connection.config[key]),
        );
        if (changed.length > 0) {
          throw new RelanceError("validation_failed", "the ledger account of a connection cannot be changed", {
            issues: changed.map((key) => ({
              path: `config.${key}`,
              message: "fixed by the authorisation; connect the other account instead",
            })),
          });
        }
      }
      await store.updateConnectionConfig(tenantId, connectionId, parsed.data as Record<string, unknown>);
      return c.json(toConnectionView(await mustGet(tenantId, connectionId)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/connections/{connectionId}/sync",
      tags: ["Connections"],
      summary: "Sync a ledger connection now",
      security: [{ bearer: [] }],
      request: { params: connectionIdParam },
      responses: {
        202: { description: "Sync started", content: { "application/json": { schema: z.object({ started: z.literal(true) }) } } },
        ...problemResponses(401, 404, 409, 422),
      },
    }),
    async (c) => {
      const tenantId = c.get("tenantId");
      const connection = await mustGet(tenantId, c.req.valid("param").connectionId);
      if (connection.kind !== "connector" || connection.grantId === null) {
        throw new RelanceError("conflict", "only ledger connections authorised through OAuth sync on a schedule");
      }
      if (connection.status !== "active") {
        throw new RelanceError(
          "conflict",
          `the connection is ${connection.status}: ${connection.statusReason ?? "reconnect it"}`,
        );
      }
      await ledgers.schedules.trigger(tenantId, connection.id);
      return c.json({ started: true as const }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/connections/{connectionId}",
      tags: ["Connections"],
      summary: "Disconnect a ledger: stops its syncs and revokes the ledger's authorisation (its data stays)",
      security: [{ bearer: [] }],
      request: { params: connectionIdParam },
      responses: { 204: { description: "Disconnected" }, ...problemResponses(401, 404, 422) },
    }),
    async (c) => {
      await ledgers.connect.disconnect(c.get("tenantId"), c.req.valid("param").connectionId);
      return c.body(null, 204);
    },
  );

  return app;
}

function mergeConfig(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const current = merged[key];
    merged[key] =
      value &&
      typeof value === "object" &&
      !Array.isArray(value) &&
      current &&
      typeof current === "object" &&
      !Array.isArray(current)
        ? { ...(current as Record<string, unknown>), ...(value as Record<string, unknown>) }
        : value;
  }
  return merged;
}

/** The public end of the OAuth flow: the provider sends the browser back here. */
export function oauthRoutes(services: ApiServices) {
  const app = new Hono();
  app.get("/:pluginId/callback", async (c) => {
    const pluginId = c.req.param("pluginId");
    const query = Object.fromEntries(new URL(c.req.url).searchParams.entries());
    const outcome = await services.ledgers.connect.callback(pluginId, query, getCookie(c, cookieName(pluginId)));
    setCookie(c, cookieName(pluginId), "", { path: "/oauth", maxAge: 0 });
    return c.json(
      {
        grantId: outcome.grantId,
        accounts: outcome.accounts.map((account) => ({ id: account.id, name: account.name })),
        connections: outcome.connections,
        ...(outcome.connections.length === 0
          ? { next: `POST /v1/grants/${outcome.grantId}/connections with the accountIds to connect` }
          : {}),
      },
      200,
    );
  });
  return app;
}
