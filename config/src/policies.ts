import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { type LadderPolicy, ladderPolicySchema, RelanceError } from "@relance/core";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { policiesDir } from "./paths";

/** Validates a policy document; errors name the exact path ("steps[2].offsetDays: …"). */
export function parsePolicy(text: string, fileName: string): LadderPolicy {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    const line = error instanceof YAMLParseError ? error.linePos?.[0]?.line : undefined;
    throw new RelanceError("validation_failed", `${fileName} is not valid YAML`, {
      issues: [{ ...(line === undefined ? {} : { line }), message: error instanceof Error ? error.message : String(error) }],
    });
  }
  const parsed = ladderPolicySchema.safeParse(document);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
  throw new RelanceError(
    "validation_failed",
    `${fileName}: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ")}`,
    { issues },
  );
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, part) => (typeof part === "number" ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part)),
    "",
  );
}

export async function loadPolicies(directory = policiesDir): Promise<Map<string, LadderPolicy>> {
  const policies = new Map<string, LadderPolicy>();
  for (const file of (await readdir(directory)).filter((name) => /\.ya?ml$/.test(name)).sort()) {
    const policy = parsePolicy(await readFile(join(directory, file), "utf8"), file);
    if (policies.has(policy.key))
      throw new RelanceError("misconfigured", `policy key "${policy.key}" is defined twice (${file})`);
    policies.set(policy.key, policy);
  }
  return policies;
}
