import type { ChannelEvent, Logger, WebhookHandler } from "@relance/core";
import type { Store } from "@relance/store";
import type { CaseLookup, CaseView, DebtorRecord } from "@relance/workflows";
import type { Importer } from "../importer";

/** Everything the HTTP API calls; built once by the runtime, replaced piecewise in tests. */
export interface ApiServices {
  readonly store: Store;
  readonly importer: Importer;
  readonly cases: {
    describe(tenantId: string, debtor: DebtorRecord): Promise<CaseLookup & { workflowId: string }>;
    setPaused(tenantId: string, debtor: DebtorRecord, paused: boolean, reason?: string): Promise<CaseView>;
  };
  readonly temporalReady: () => Promise<void>;
  /** Channel webhooks by provider plugin id (e.g. "email-sendgrid"). */
  readonly channelWebhooks: ReadonlyMap<string, WebhookHandler<ChannelEvent>>;
  readonly limits: { readonly maxBodyBytes: number; readonly maxImportBytes: number };
  readonly logger: Logger;
}
