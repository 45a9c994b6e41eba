import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { type CollectionPolicy, collectionPolicySchema, formatIssuePath, RelanceError } from "@relance/core";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { policiesDir } from "./paths";

/** Validates a policy document; errors name the exact path ("steps[2].offsetDays: …"). */
export function parsePolicy(text: string, fileName: string): CollectionPolicy {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    const line = error instanceof YAMLParseError ? error.linePos?.[0]?.line : undefined;
    throw new RelanceError("validation_failed", `${fileName} is not valid YAML`, {
      issues: [{ ...(line === undefined ? {} : { line }), message: error instanceof Error ? error.message : String(error) }],
    });
  }
  const parsed = collectionPolicySchema.safeParse(document);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ path: formatIssuePath(issue.path), message: issue.message }));
  throw new RelanceError(
    "validation_failed",
    `${fileName}: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ")}`,
    { issues },
  );
}

export async function loadPolicies(directory = policiesDir): Promise<Map<string, CollectionPolicy>> {
  const policies = new Map<string, CollectionPolicy>();
  for (const file of (await readdir(directory)).filter((name) => /\.ya?ml$/.test(name)).sort()) {
    const policy = parsePolicy(await readFile(join(directory, file), "utf8"), file);
    if (policies.has(policy.key))
      throw new RelanceError("misconfigured", `policy key "${policy.key}" is defined twice (${file})`);
    policies.set(policy.key, policy);
  }
  return policies;
}

/**
 * The policy a debtor's case starts on: a variant of `baseKey` whose `appliesTo` matches the debtor
 * (first by key order), else the base policy itself.
 */
export function choosePolicy(
  policies: Iterable<CollectionPolicy>,
  base: CollectionPolicy,
  matchesDebtor: (policy: CollectionPolicy) => boolean,
): CollectionPolicy {
  const variants = [...policies]
    .filter((policy) => policy.variantOf === base.key)
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return variants.find(matchesDebtor) ?? base;
}

/** Templates a policy names that are missing in one of its languages: "fr/fr-b2b/formal-notice". */
export function missingTemplates(policy: CollectionPolicy, has: (language: string, template: string) => boolean): string[] {
  const names = [
    ...policy.steps.flatMap((step) => (step.template ? [step.template] : [])),
    policy.notices.disputeOutcome,
    policy.notices.brokenPromise,
    policy.paymentPlans.reminderTemplate,
  ];
  return [...new Set(names)].flatMap((name) =>
    policy.languages.filter((language) => !has(language, name)).map((language) => `${language}/${name}`),
  );
}
