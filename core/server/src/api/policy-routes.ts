/**
 * The tenant's escalation policies, versioned: list them, read any version, save a new version (only when it
 * differs from the latest), and check a definition (JSON or YAML) without saving it.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { collectionPolicySchema, type Issue, notFound, RelanceError, validationError } from "@relance/core";
import type { StoredPolicy } from "@relance/store";
import { parse as parseYaml, YAMLParseError } from "yaml";
import type { ApiEnv } from "./context";
import { problemResponses } from "./openapi";
import { issuesOfZod, validationHook } from "./problem";
import { policyDefinitionSchema, policyKeyParamSchema, storedPolicySchema } from "./schemas";
import type { ApiServices } from "./services";

const YAML_TYPES = ["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"];
const isJson = (mediaType: string) => /^application\/([\w.-]+\+)?json$/.test(mediaType);

const issueSchema = z.object({
  path: z.string().optional().openapi({ example: "steps[3].offsetDays" }),
  line: z.number().int().optional().openapi({ description: "Line of a YAML or JSON syntax error" }),
  message: z.string(),
});

const validationResultSchema = z
  .union([
    z.object({ valid: z.literal(true), policy: policyDefinitionSchema }),
    z.object({ valid: z.literal(false), issues: z.array(issueSchema) }),
  ])
  .openapi("PolicyValidation");

const versionParamSchema = policyKeyParamSchema.extend({
  version: z.coerce
    .number()
    .int()
    .positive()
    .openapi({ param: { name: "version", in: "path" }, example: 2 }),
});

function toPolicyView(stored: StoredPolicy) {
  return {
    key: stored.key,
    version: stored.version,
    name: stored.name,
    createdAt: stored.createdAt.toISOString(),
    // The same data; the schema's output type is merely not readonly.
    policy: stored.policy as z.output<typeof collectionPolicySchema>,
  };
}

/** A document's problems, each with the line (syntax) or the path (schema) it is about; none when valid. */
export function checkPolicyDocument(text: string, format: "json" | "yaml") {
  let document: unknown;
  try {
    document = format === "json" ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    return { valid: false as const, issues: [syntaxIssue(text, error)] };
  }
  const parsed = collectionPolicySchema.safeParse(document);
  if (parsed.success) return { valid: true as const, policy: parsed.data };
  return { valid: false as const, issues: issuesOfZod(parsed.error.issues, "(document)") };
}

function syntaxIssue(text: string, error: unknown): Issue {
  let located = error;
  if (!(error instanceof YAMLParseError)) {
    // JSON.parse does not say where; YAML (a superset of JSON) usually can.
    try {
      parseYaml(text);
    } catch (yamlError) {
      located = yamlError;
    }
  }
  const line = located instanceof YAMLParseError ? located.linePos?.[0]?.line : undefined;
  const message = (error instanceof Error ? error.message : String(error)).split("\n")[0]?.replace(/:$/, "") ?? "not valid";
  return { ...(line === undefined ? {} : { line }), message };
}

export function policyRoutes(services: ApiServices) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  const { store } = services;

  app.openapi(
    createRoute({
      method: "get",
      path: "/policies",
      tags: ["Policies"],
      summary: "The tenant's policies, latest version of each",
      security: [{ bearer: [] }],
      responses: {
        200: {
          description: "The policies",
          content: { "application/json": { schema: z.object({ items: z.array(storedPolicySchema) }) } },
        },
        ...problemResponses(401),
      },
    }),
    async (c) => c.json({ items: (await store.listPolicies(c.get("tenantId"))).map(toPolicyView) }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/policies/{key}/versions",
      tags: ["Policies"],
      summary: "Every version of a policy, oldest first",
      security: [{ bearer: [] }],
      request: { params: policyKeyParamSchema },
      responses: {
        200: {
          description: "The versions",
          content: { "application/json": { schema: z.object({ items: z.array(storedPolicySchema) }) } },
        },
        ...problemResponses(401, 404, 422),
      },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const versions = await store.listPolicyVersions(c.get("tenantId"), key);
      if (versions.length === 0) throw notFound(`policy ${key}`);
      return c.json({ items: versions.map(toPolicyView) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/policies/{key}/versions/{version}",
      tags: ["Policies"],
      summary: "One version of a policy",
      security: [{ bearer: [] }],
      request: { params: versionParamSchema },
      responses: {
        200: { description: "The version", content: { "application/json": { schema: storedPolicySchema } } },
        ...problemResponses(401, 404, 422),
      },
    }),
    async (c) => {
      const { key, version } = c.req.valid("param");
      const stored = await store.getPolicy(c.get("tenantId"), key, version);
      if (!stored) throw notFound(`policy ${key} version ${version}`);
      return c.json(toPolicyView(stored), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/policies/{key}",
      tags: ["Policies"],
      summary: "Save a policy: a new version when it differs from the latest",
      description:
        "The body's `key` must be the path's; its `version` is ignored (the store numbers versions). 201 with the new " +
        "version, or 200 with the latest when nothing changed. Running cases keep their version until migrated.",
      security: [{ bearer: [] }],
      request: {
        params: policyKeyParamSchema,
        body: { required: true, content: { "application/json": { schema: policyDefinitionSchema } } },
      },
      responses: {
        200: { description: "Unchanged: the latest version", content: { "application/json": { schema: storedPolicySchema } } },
        201: { description: "A new version", content: { "application/json": { schema: storedPolicySchema } } },
        ...problemResponses(401, 413, 422),
      },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const definition = c.req.valid("json");
      if (definition.key !== key) {
        throw validationError("the policy's key is not the one in the path", [
          { path: "key", message: `must be "${key}", the key in the path` },
        ]);
      }
      const saved = await store.savePolicy(c.get("tenantId"), definition);
      return saved.created ? c.json(toPolicyView(saved), 201) : c.json(toPolicyView(saved), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/policies/validate",
      tags: ["Policies"],
      summary: "Check a policy definition without saving it",
      description:
        "Send the definition as JSON (application/json) or YAML (application/yaml or text/yaml). Always 200: `valid` " +
        "with the policy as it would be saved (defaults filled in), or the issues, each with its path " +
        "(`steps[3].offsetDays`) or, for a syntax error, its line.",
      security: [{ bearer: [] }],
      request: {
        body: {
          required: true,
          content: {
            // Not validated by the route: a syntax or schema error is an answer here, not a 4xx.
            "application/json": { schema: { $ref: "#/components/schemas/PolicyDefinition" } },
            "application/yaml": { schema: z.string().openapi({ description: "The policy as YAML" }) },
            "text/yaml": { schema: z.string().openapi({ description: "The policy as YAML" }) },
          },
        },
      },
      responses: {
        200: { description: "The verdict", content: { "application/json": { schema: validationResultSchema } } },
        ...problemResponses(401, 413, 415),
      },
    }),
    async (c) => {
      const mediaType = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
      const format = isJson(mediaType) ? "json" : YAML_TYPES.includes(mediaType) ? "yaml" : undefined;
      if (!format) {
        throw new RelanceError(
          "unsupported_media_type",
          "send the policy as application/json or as application/yaml (text/yaml)",
        );
      }
      return c.json(checkPolicyDocument(await c.req.text(), format), 200);
    },
  );

  return app;
}
