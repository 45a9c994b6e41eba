import type { ChannelEvent, CollectionPolicy, Logger, PluginRegistry, WebhookHandler } from "@relance/core";
import type { Store } from "@relance/store";
import type { CaseCommand, CaseLookup, CommandResult, DebtorRecord } from "@relance/workflows";
import type { Importer } from "../importer";
import type { Ledgers } from "../ledger";

/** Everything the HTTP API calls; built once by the runtime, replaced piecewise in tests. */
export interface ApiServices {
  readonly store: Store;
  readonly importer: Importer;
  /** Shipped policies by key (the tenant's stored versions come first). */
  readonly policies: ReadonlyMap<string, CollectionPolicy>;
  readonly cases: {
    describe(tenantId: string, debtor: DebtorRecord): Promise<CaseLookup & { workflowId: string }>;
    command(tenantId: string, debtor: DebtorRecord, command: CaseCommand): Promise<CommandResult>;
  };
  readonly temporalReady: () => Promise<void>;
  /** Channel webhooks by provider plugin id (e.g. "email-sendgrid"). */
  readonly channelWebhooks: ReadonlyMap<string, WebhookHandler<ChannelEvent>>;
  readonly registry: PluginRegistry;
  /** Ledger connections: OAuth connect flow, schedules, webhooks. */
  readonly ledgers: Pick<Ledgers, "connect" | "schedules" | "webhooks" | "connectors">;
  readonly limits: { readonly maxBodyBytes: number; readonly maxImportBytes: number };
  readonly logger: Logger;
}
