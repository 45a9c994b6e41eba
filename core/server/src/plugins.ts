/** The plugins this server ships with, and their app settings from the environment. The only place that names them. */
import type { Env } from "@relance/config";
import { csvConnector } from "@relance/connector-csv";
import { quickbooksConnector } from "@relance/connector-quickbooks";
import { xeroConnector } from "@relance/connector-xero";
import { PluginRegistry, RelanceError } from "@relance/core";
import { agencyOutboxPlugin } from "@relance/plugin-agency-outbox";
import { emailSendgridPlugin } from "@relance/plugin-email-sendgrid";
import { outboxPlugin } from "@relance/plugin-outbox";

/** An OAuth app is configured by its client id; the rest is then required, and named when missing. */
function oauthApp(
  prefix: string,
  values: { clientId?: string | undefined; clientSecret?: string | undefined; redirectUri?: string | undefined },
) {
  if (values.clientId === undefined) return undefined;
  const missing = [
    values.clientSecret === undefined ? `${prefix}_CLIENT_SECRET` : undefined,
    values.redirectUri === undefined ? `${prefix}_REDIRECT_URI` : undefined,
  ].filter((name) => name !== undefined);
  if (missing.length > 0) {
    throw new RelanceError(
      "misconfigured",
      `${prefix}_CLIENT_ID is set but ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not`,
    );
  }
  return { clientId: values.clientId, clientSecret: values.clientSecret as string, redirectUri: values.redirectUri as string };
}

export function createPluginRegistry(env?: Env): PluginRegistry {
  const xero =
    env &&
    oauthApp("XERO", { clientId: env.XERO_CLIENT_ID, clientSecret: env.XERO_CLIENT_SECRET, redirectUri: env.XERO_REDIRECT_URI });
  const quickbooks =
    env &&
    oauthApp("QBO", { clientId: env.QBO_CLIENT_ID, clientSecret: env.QBO_CLIENT_SECRET, redirectUri: env.QBO_REDIRECT_URI });
  return new PluginRegistry()
    .register(outboxPlugin)
    .register(emailSendgridPlugin)
    .register(agencyOutboxPlugin)
    .register(csvConnector)
    .register(
      xeroConnector,
      xero && env
        ? {
            ...xero,
            ...(env.XERO_WEBHOOK_KEY ? { webhookKey: env.XERO_WEBHOOK_KEY } : {}),
            apiBaseUrl: env.XERO_API_BASE_URL,
            identityBaseUrl: env.XERO_IDENTITY_BASE_URL,
            loginBaseUrl: env.XERO_LOGIN_BASE_URL,
          }
        : undefined,
    )
    .register(
      quickbooksConnector,
      quickbooks && env
        ? {
            ...quickbooks,
            ...(env.QBO_WEBHOOK_VERIFIER_TOKEN ? { webhookVerifierToken: env.QBO_WEBHOOK_VERIFIER_TOKEN } : {}),
            environment: env.QBO_ENVIRONMENT,
            ...(env.QBO_API_BASE_URL ? { apiBaseUrl: env.QBO_API_BASE_URL } : {}),
            ...(env.INTUIT_OAUTH_BASE_URL ? { oauthBaseUrl: env.INTUIT_OAUTH_BASE_URL } : {}),
          }
        : undefined,
    );
}
