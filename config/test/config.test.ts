import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { describeEnv, loadEnv } from "../src/env";
import { choosePolicy, loadPolicies, parsePolicy } from "../src/policies";
import { loadTemplates } from "../src/templates";

describe("shipped policies and templates, as the runtime loads them", () => {
  it("every template a policy names is loaded, in each of its languages (folders included)", async () => {
    const [policies, templates] = await Promise.all([loadPolicies(), loadTemplates()]);
    expect([...policies.keys()].sort()).toEqual(["consumer", "email-3-steps", "fr-b2b", "fr-b2b-gentle", "uk-b2b"]);
    for (const policy of policies.values()) {
      const names = [
        ...policy.steps.flatMap((step) => (step.template ? [step.template] : [])),
        policy.notices.disputeOutcome,
        policy.notices.brokenPromise,
        policy.paymentPlans.reminderTemplate,
      ];
      for (const name of names) {
        for (const language of policy.languages) {
          expect(templates.get(language)?.get(name), `${policy.key}: ${language}/${name}`).toBeDefined();
        }
      }
    }
    expect(templates.get("fr")?.get("fr-b2b/formal-notice")?.text).toContain("40");
  });

  it("a VIP or new debtor gets the gentle variant, others the base policy", async () => {
    const policies = await loadPolicies();
    const base = policies.get("fr-b2b");
    if (!base) throw new Error("fr-b2b is not shipped");
    const forSegments = (segments: string[]) =>
      choosePolicy(policies.values(), base, (policy) => policy.appliesTo?.segmentsAny?.some((s) => segments.includes(s)) ?? false)
        .key;
    expect(forSegments(["vip"])).toBe("fr-b2b-gentle");
    expect(forSegments(["new"])).toBe("fr-b2b-gentle");
    expect(forSegments(["repeat_late"])).toBe("fr-b2b");
    expect(forSegments([])).toBe("fr-b2b");
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
