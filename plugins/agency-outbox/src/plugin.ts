import { isAbsolute, join } from "node:path";
import {
  type AgencyPlugin,
  type ClaimStatus,
  type Clock,
  definePlugin,
  type EvidenceBundle,
  type Money,
  notFound,
  RelanceError,
  validationError,
} from "@relance/core";
import { z } from "zod";
import { appendLine, exists, isKeyPart, keyPart, readIfExists, replaceAtomically, writeAtomically } from "./files";
import { bundleIssues, moneyIssues } from "./validate";

export const agencyOutboxConfigSchema = z.object({
  /** Absolute path of the folder claims go to (under `claims/`); the server passes `<dataDir>/agency`. */
  directory: z.string().min(1).refine(isAbsolute, { message: "must be an absolute path" }),
});

export const agencyOutboxSecretsSchema = z.object({});

export type AgencyOutboxConfig = z.infer<typeof agencyOutboxConfigSchema>;

/** What `claims/<claimId>.json` holds. */
export interface PlacedClaim {
  readonly claimId: string;
  /** ISO 8601, from the plugin context's clock. */
  readonly placedAt: string;
  readonly status: "placed";
  readonly bundle: EvidenceBundle;
}

/** One line of `claims/<claimId>.log` (JSON Lines: a reason with line breaks stays on its line). */
export type ClaimLogEntry =
  | { readonly at: string; readonly event: "recalled"; readonly reason: string }
  | { readonly at: string; readonly event: "payment_reported"; readonly amountMinor: number; readonly currency: string };

/** Every status, as data: a status the core adds makes this fail to compile until it is listed. */
const CLAIM_STATUSES: Readonly<Record<ClaimStatus, true>> = {
  placed: true,
  in_progress: true,
  paid: true,
  partially_paid: true,
  closed: true,
  recalled: true,
  rejected: true,
};

/** The agency holds nothing any more: recalling would contradict what happened. */
const SETTLED: ReadonlySet<ClaimStatus> = new Set(["paid", "closed", "rejected"]);

const isClaimStatus = (value: string): value is ClaimStatus => Object.hasOwn(CLAIM_STATUSES, value);

export const claimsDirectory = (directory: string): string => join(directory, "claims");

/** The claim placed under a key: derived from the key alone, like the outbox's .eml names. */
export const claimIdFor = (idempotencyKey: string): string => keyPart(idempotencyKey);

/**
 * The claim already placed under this key, if any: one `stat`, for recovery after a crash between
 * placing a claim and recording its id.
 */
export async function findClaim(directory: string, idempotencyKey: string): Promise<string | undefined> {
  const claimId = claimIdFor(idempotencyKey);
  return (await exists(join(claimsDirectory(directory), `${claimId}.json`))) ? claimId : undefined;
}

function createAgencyOutbox(config: AgencyOutboxConfig, clock: Clock): AgencyPlugin {
  const folder = claimsDirectory(config.directory);
  const file = (claimId: string, suffix: "json" | "status" | "log") => join(folder, `${claimId}.${suffix}`);

  /** Throws not_found unless the claim was placed here. Ids we could never have issued are not found either. */
  const requireClaim = async (claimId: string): Promise<void> => {
    if (typeof claimId !== "string" || !isKeyPart(claimId) || !(await exists(file(claimId, "json")))) {
      throw notFound(`claim "${String(claimId).slice(0, 200)}"`);
    }
  };

  const readStatus = async (claimId: string): Promise<ClaimStatus> => {
    const text = await readIfExists(file(claimId, "status"));
    if (text === undefined) return "placed";
    // The last non-empty line: a human may overwrite the file or append to it.
    const line = text
      .split(/\r?\n/)
      .map((entry) => entry.trim())
      .filter((entry) => entry !== "")
      .at(-1);
    if (line === undefined) return "placed";
    if (!isClaimStatus(line)) {
      throw new RelanceError(
        "provider_unavailable",
        `claims/${claimId}.status holds "${line.slice(0, 50)}", not one of ${Object.keys(CLAIM_STATUSES).join(", ")}`,
        { retryable: true },
      );
    }
    return line;
  };

  return {
    async placeClaim(bundle, options) {
      const issues = [
        ...(typeof options.idempotencyKey === "string" && options.idempotencyKey !== ""
          ? []
          : [{ path: "idempotencyKey", message: "required: it names the claim" }]),
        ...bundleIssues(bundle),
      ];
      if (issues.length > 0) throw validationError("the evidence bundle cannot be placed with an agency", issues);
      const claimId = claimIdFor(options.idempotencyKey);
      const record: PlacedClaim = { claimId, placedAt: clock.now().toISOString(), status: "placed", bundle };
      // A second placement under the same key keeps the first file (the link refuses to replace it).
      await writeAtomically(folder, `${claimId}.json`, `${JSON.stringify(record, null, 2)}\n`);
      return { claimId };
    },

    async getStatus(claimId) {
      await requireClaim(claimId);
      return readStatus(claimId);
    },

    async recall(claimId, reason) {
      await requireClaim(claimId);
      if (typeof reason !== "string" || reason.trim() === "") {
        throw validationError("a recall needs a reason", [{ path: "reason", message: "required" }]);
      }
      const status = await readStatus(claimId);
      if (status === "recalled") return;
      if (SETTLED.has(status)) {
        throw new RelanceError("conflict", `claim "${claimId}" is ${status}: it can no longer be recalled`);
      }
      // Log first: a crash in between leaves a retry that logs twice, never a recall without its reason.
      const entry: ClaimLogEntry = { at: clock.now().toISOString(), event: "recalled", reason };
      await appendLine(file(claimId, "log"), JSON.stringify(entry));
      await replaceAtomically(folder, `${claimId}.status`, "recalled\n");
    },

    async reportPayment(claimId, amount: Money) {
      await requireClaim(claimId);
      const issues = moneyIssues(amount, "amount");
      if (issues.length > 0) throw validationError("the payment cannot be reported", issues);
      const entry: ClaimLogEntry = {
        at: clock.now().toISOString(),
        event: "payment_reported",
        amountMinor: amount.amountMinor,
        currency: amount.currency,
      };
      await appendLine(file(claimId, "log"), JSON.stringify(entry));
    },
  };
}

/**
 * The local sandbox collection agency: each claim becomes `claims/<claimId>.json` in a folder, its
 * progress is whatever a human (or a test) writes in `claims/<claimId>.status`, and recalls and reported
 * payments are appended to `claims/<claimId>.log`. Used when no agency is configured.
 */
export const agencyOutboxPlugin = definePlugin({
  id: "agency-outbox",
  kind: "agency",
  displayName: "Local agency outbox (JSON claim files)",
  version: "0.1.0",
  configSchema: agencyOutboxConfigSchema,
  secretsSchema: agencyOutboxSecretsSchema,
  auth: { type: "none" },
  capabilities: ["place_claim", "get_status", "recall", "report_payment", "find_claim"],
  allowedHosts: [],
  create: (context) => createAgencyOutbox(context.config, context.clock),
});
