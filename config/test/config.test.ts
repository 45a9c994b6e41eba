import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { describeEnv, loadEnv } from "../src/env";
import { loadPolicies, parsePolicy } from "../src/policies";
import { loadTemplates } from "../src/templates";

describe("shipped policies and templates", () => {
  it("every step of every policy has a template in English and French", async () => {
    const [policies, templates] = await Promise.all([loadPolicies(), loadTemplates()]);
    expect(policies.size).toBeGreaterThan(0);
    for (const policy of policies.values()) {
      for (const step of policy.steps) {
        for (const language of ["en", "fr"]) {
          expect(templates.get(language)?.get(step.template), `${language}/${step.template}`).toBeDefined();
        }
      }
    }
  });
});

describe("parsePolicy", () => {
  it("points at the exact path of a bad value", () => {
    const text =
      "key: x\nname: X\nsteps:\n  - { id: a, offsetDays: 1, action: email, template: t }\n  - { id: b, offsetDays: 0.5, action: email, template: t }\n";
    expect(() => parsePolicy(text, "x.yaml")).toThrow(/x\.yaml: steps\[1\]\.offsetDays: /);
  });

  it("reports broken YAML with its line", () => {
    try {
      parsePolicy("key: x\nsteps: [\n", "broken.yaml");
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: "validation_failed", message: "broken.yaml is not valid YAML" });
      expect((error as { issues: { line?: number }[] }).issues[0]?.line).toBeGreaterThan(0);
    }
  });
});

describe("environment", () => {
  it("applies defaults and coerces numbers", () => {
    const env = loadEnv({ RELANCE_API_PORT: "8080" });
    expect(env.RELANCE_API_PORT).toBe(8080);
    expect(env.RELANCE_DATA_DIR).toBe(".relance");
    expect(env.SENDGRID_API_KEY).toBeUndefined();
  });

  it("names every bad variable", () => {
    expect(() => loadEnv({ RELANCE_API_PORT: "eighty", SENDGRID_BASE_URL: "not a url" })).toThrow(
      /RELANCE_API_PORT: .*SENDGRID_BASE_URL: /,
    );
  });

  it("is documented in the README's configuration table, every variable", async () => {
    const readme = await readFile(fileURLToPath(new URL("../../README.md", import.meta.url)), "utf8");
    for (const { name, description } of describeEnv()) {
      expect(description, name).not.toBe("");
      expect(readme, name).toContain(`| \`${name}\``);
    }
  });
});
