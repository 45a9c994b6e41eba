/** The HTTP API: health, v1 (tenant-scoped, bearer keys), provider webhooks, OpenAPI 3.1 and its reference page. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { requireApiKey } from "./auth";
import { caseRoutes } from "./case-routes";
import { connectionRoutes, oauthRoutes } from "./connection-routes";
import type { ApiEnv } from "./context";
import { debtorProfileRoutes } from "./debtor-profile-routes";
import { disputeRoutes } from "./dispute-routes";
import { docsRoutes } from "./docs";
import { importRoutes } from "./import-routes";
import { ledgerRoutes } from "./ledger-routes";
import { policyRoutes } from "./policy-routes";
import { problem, toProblem, validationHook } from "./problem";
import { promiseRoutes } from "./promise-routes";
import type { ApiServices } from "./services";
import { taskRoutes } from "./task-routes";
import { webhookRoutes } from "./webhook-routes";

export function createApi(services: ApiServices) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  app.onError((error, c) =>
    toProblem(error, c, (cause) => services.logger.error({ err: cause, path: c.req.path }, "request failed")),
  );
  app.notFound((c) => problem(c, 404, "not_found", `no route ${c.req.method} ${c.req.path}`));

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "A tenant API key (`relance tenant create` prints one)",
  });

  app.openapi(
    createRoute({
      method: "get",
      path: "/health/live",
      tags: ["Health"],
      summary: "Liveness: the process answers",
      responses: {
        200: { description: "Alive", content: { "application/json": { schema: z.object({ status: z.literal("ok") }) } } },
      },
    }),
    (c) => c.json({ status: "ok" as const }, 200),
  );

  const readiness = z.object({ status: z.enum(["ready", "unavailable"]), database: z.boolean(), temporal: z.boolean() });
  app.openapi(
    createRoute({
      method: "get",
      path: "/health/ready",
      tags: ["Health"],
      summary: "Readiness: the database and Temporal are reachable",
      responses: {
        200: { description: "Ready", content: { "application/json": { schema: readiness } } },
        503: { description: "Not ready", content: { "application/json": { schema: readiness } } },
      },
    }),
    async (c) => {
      const [database, temporal] = await Promise.all([
        services.store.ping().then(
          () => true,
          () => false,
        ),
        services.temporalReady().then(
          () => true,
          () => false,
        ),
      ]);
      const ok = database && temporal;
      return c.json({ status: ok ? ("ready" as const) : ("unavailable" as const), database, temporal }, ok ? 200 : 503);
    },
  );

  const v1 = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  v1.use("*", requireApiKey(services));
  v1.use("*", async (c, next) => {
    // Imports stream their own, larger limit; everything else is small JSON.
    if (c.req.path.endsWith("/imports")) return next();
    return bodyLimit({
      maxSize: services.limits.maxBodyBytes,
      onError: (ctx) =>
        problem(ctx, 413, "payload_too_large", `request bodies are limited to ${services.limits.maxBodyBytes} bytes`),
    })(c, next);
  });
  v1.route("/", ledgerRoutes(services));
  v1.route("/", caseRoutes(services));
  v1.route("/", disputeRoutes(services));
  v1.route("/", promiseRoutes(services));
  v1.route("/", debtorProfileRoutes(services));
  v1.route("/", taskRoutes(services));
  v1.route("/", policyRoutes(services));
  v1.route("/", importRoutes(services));
  v1.route("/", connectionRoutes(services));
  app.route("/v1", v1);
  app.route("/oauth", oauthRoutes(services));

  app.route("/webhooks", webhookRoutes(services));
  app.route("/docs", docsRoutes());
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Relance API",
      version: "0.1.0",
      description: "Collections hub: ledgers in, one durable case per debtor, reminders out. Errors are RFC 9457 problem+json.",
    },
  });
  app.get("/", (c) => c.redirect("/docs"));
  return app;
}
