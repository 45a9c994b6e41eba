/**
 * QuickBooks Online as a ledger connector: OAuth 2.0 through the deployment's Intuit app, reads by
 * change data capture or queries through node-quickbooks, webhooks as CloudEvents, optional write-back.
 */
import { type ConnectorPlugin, definePlugin, RelanceError } from "@relance/core";
import { createQboClient } from "./client";
import { createHomeCurrency } from "./home-currency";
import { quickbooksOAuth } from "./oauth";
import {
  ACCOUNTING_SCOPE,
  INTUIT_AUTHORIZE_URL,
  INTUIT_REVOKE_URL,
  INTUIT_TOKEN_URL,
  quickbooksAppSchema,
  quickbooksConfigSchema,
  quickbooksSecretsSchema,
} from "./settings";
import { createSync } from "./sync";
import { receiveIntuitWebhook } from "./webhooks";
import { createWriteBack } from "./write-back";

export const quickbooksConnector = definePlugin({
  id: "quickbooks",
  kind: "connector",
  displayName: "QuickBooks Online",
  version: "0.1.0",
  configSchema: quickbooksConfigSchema,
  secretsSchema: quickbooksSecretsSchema,
  appSchema: quickbooksAppSchema,
  auth: {
    type: "oauth2",
    authorizeUrl: INTUIT_AUTHORIZE_URL,
    tokenUrl: INTUIT_TOKEN_URL,
    revokeUrl: INTUIT_REVOKE_URL,
    scopes: [ACCOUNTING_SCOPE],
    pkce: false,
  },
  capabilities: ["oauth", "incremental-sync", "webhooks", "write-back:notes", "write-back:credit-notes", "write-back:late-fees"],
  allowedHosts: [
    "quickbooks.api.intuit.com",
    "sandbox-quickbooks.api.intuit.com",
    "appcenter.intuit.com",
    "oauth.platform.intuit.com",
    "developer.api.intuit.com",
  ],
  oauth: quickbooksOAuth,
  webhooks: { receive: (app, request) => receiveIntuitWebhook(app.webhookVerifierToken, request) },
  create({ app, config, clock, logger, tokens }): ConnectorPlugin {
    if (tokens === undefined) {
      throw new RelanceError("misconfigured", "a QuickBooks connection needs OAuth tokens: connect the company first");
    }
    const client = createQboClient({ app, realmId: config.realmId, tokens, clock });
    const homeCurrency = createHomeCurrency(config.homeCurrency, client);
    const sync = createSync({ client, clock, logger, homeCurrency });
    return {
      async testConnection() {
        await client.companyInfo();
      },
      listChanges: sync.listChanges,
      fetchChanged: sync.fetchChanged,
      writeBack: createWriteBack(client, config, clock),
    };
  },
});
