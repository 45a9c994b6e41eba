/** The API reference page, served from the swagger-ui-dist package (no CDN: works offline). */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Hono } from "hono";
import { getAbsoluteFSPath } from "swagger-ui-dist";

const ASSETS = new Map([
  ["swagger-ui.css", "text/css; charset=utf-8"],
  ["swagger-ui-bundle.js", "text/javascript; charset=utf-8"],
]);

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Relance API reference</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="reference"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({ url: "/openapi.json", dom_id: "#reference", deepLinking: true });</script>
</body></html>`;

export function docsRoutes() {
  const app = new Hono();
  const root = getAbsoluteFSPath();
  app.get("/", (c) => c.html(PAGE));
  app.get("/assets/:name", async (c) => {
    const name = c.req.param("name");
    const type = ASSETS.get(name);
    if (!type) return c.notFound();
    return c.body(await readFile(join(root, name)), 200, { "content-type": type, "cache-control": "public, max-age=86400" });
  });
  return app;
}
