/** Checking a policy document for POST /v1/policies/validate: syntax errors by line, schema errors by path. */
import { describe, expect, it } from "vitest";
import { checkPolicyDocument } from "../src/api/policy-routes";

const yaml = [
  "key: ladder",
  "name: Ladder",
  "steps:",
  "  - id: nudge",
  "    offsetDays: 1",
  "    action: email",
  "    template: first-reminder",
];

describe("checkPolicyDocument", () => {
  it("accepts a valid policy, with the defaults filled in", () => {
    const result = checkPolicyDocument(yaml.join("\n"), "yaml");
    expect(result).toMatchObject({
      valid: true,
      policy: { key: "ladder", version: 1, languages: ["en"], guards: { minGapDays: 3 } },
    });
  });

  it("names the line of a YAML syntax error", () => {
    const result = checkPolicyDocument([...yaml.slice(0, 5), "   action: [email", ...yaml.slice(6)].join("\n"), "yaml");
    expect(result.valid).toBe(false);
    expect(result.valid ? [] : result.issues).toEqual([expect.objectContaining({ line: expect.any(Number) })]);
  });

  it("reports a JSON syntax error (with its line when YAML can find it)", () => {
    const result = checkPolicyDocument('{\n  "key": "ladder",\n  "name": \n}', "json");
    expect(result.valid).toBe(false);
    expect(result.valid ? [] : result.issues[0]?.message).toEqual(expect.any(String));
  });

  it("names schema problems by their path, an unknown field at its own path", () => {
    const text = JSON.stringify({
      key: "ladder",
      name: "Ladder",
      colour: "red",
      steps: [
        { id: "a", offsetDays: 5, action: "email", template: "first-reminder" },
        { id: "b", offsetDays: 1, action: "letter" },
      ],
    });
    const result = checkPolicyDocument(text, "json");
    expect(result.valid ? [] : result.issues.map((issue) => issue.path).sort()).toEqual([
      "colour",
      "steps[1].offsetDays",
      "steps[1].template",
    ]);
  });

  it("refuses a document that is not an object", () => {
    const result = checkPolicyDocument("- just\n- a list\n", "yaml");
    expect(result).toMatchObject({ valid: false, issues: [{ path: "(document)" }] });
  });
});
