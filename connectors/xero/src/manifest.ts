/**
 * The Xero connector: OAuth 2.0 (PKCE) connect flow, incremental sync with If-Modified-Since and
 * 1,000-record pages, webhook-driven targeted reads, and opt-in write-back.
 */
import { type ConnectorPlugin, definePlugin } from "@relance/core";
import { XeroAccountingClient } from "./client";
import { fetchChanged } from "./fetch-changed";
import { xeroOAuth } from "./oauth";
import { DEFAULT_SCOPES, xeroAppSchema, xeroConfigSchema, xeroSecretsSchema } from "./settings";
import { listChanges } from "./sync";
import { receiveWebhook } from "./webhooks";
import { createWriteBack, todayOf } from "./write-back";

export const xeroConnector = definePlugin({
  id: "xero",
  kind: "connector",
  displayName: "Xero",
  version: "0.1.0",
  configSchema: xeroConfigSchema,
  secretsSchema: xeroSecretsSchema,
  appSchema: xeroAppSchema,
  auth: {
    type: "oauth2",
    authorizeUrl: "https://login.xero.com/identity/connect/authorize",
    tokenUrl: "https://identity.xero.com/connect/token",
    revokeUrl: "https://identity.xero.com/connect/revocation",
    scopes: DEFAULT_SCOPES,
    pkce: true,
  },
  capabilities: ["incremental-sync", "webhooks", "invoice-notes", "credit-notes", "late-fee-invoices"],
  allowedHosts: ["api.xero.com", "identity.xero.com", "login.xero.com"],
  oauth: xeroOAuth,
  webhooks: { receive: (app, request) => receiveWebhook(app.webhookKey, request) },
  create: ({ app, config, tokens, clock, logger }): ConnectorPlugin => {
    const client = new XeroAccountingClient({ app, tenantId: config.tenantId, tokens, clock, logger });
    return {
      testConnection: async () => {
        await client.call("organisation read", (api) => api.getOrganisations(config.tenantId));
      },
      listChanges: (query) => listChanges(client, logger, config.pageSize, query, () => clock.now().getTime()),
      fetchChanged: (changes) => fetchChanged(client, logger, changes),
      writeBack: createWriteBack(
        client,
        config,
        todayOf(() => clock.now()),
      ),
    };
  },
});
