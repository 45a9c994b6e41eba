/** Shared set-up for plugin tests: the manifest wired to the fake Intuit, with a real refreshing TokenProvider. */
import type { ConnectorPlugin, Logger } from "@relance/core";
import { type FakeQuickBooks, type FakeQuickBooksOptions, startFakeQuickBooks } from "../../../test/fakes/quickbooks";
import { type IssuedTokens, RefreshOnRejection, tokensOf } from "../../../test/support/tokens";
import { type QuickBooksApp, quickbooksAppSchema, quickbooksConfigSchema, quickbooksConnector } from "../src";

export const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export function appFor(fake: FakeQuickBooks): QuickBooksApp {
  return quickbooksAppSchema.parse({
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    redirectUri: "http://localhost:3000/oauth/quickbooks/callback",
    webhookVerifierToken: fake.verifierToken,
    environment: "sandbox",
    apiBaseUrl: fake.apiBaseUrl,
    oauthBaseUrl: fake.oauthBaseUrl,
  });
}

/** What the server's token provider does, minus the lock: refresh through the manifest on rejection. */
export class RefreshingTokens extends RefreshOnRejection {
  constructor(app: QuickBooksApp, issued: IssuedTokens) {
    super(tokensOf(issued), (current) => {
      const oauth = quickbooksConnector.oauth;
      if (!oauth) throw new Error("no oauth flow");
      return oauth.refresh(app, current);
    });
  }
}

export interface Harness {
  readonly fake: FakeQuickBooks;
  readonly app: QuickBooksApp;
  readonly tokens: RefreshingTokens;
  readonly plugin: ConnectorPlugin;
  connect(config?: Record<string, unknown>): Promise<ConnectorPlugin>;
}

export async function harness(options: FakeQuickBooksOptions = {}, config: Record<string, unknown> = {}): Promise<Harness> {
  const fake = await startFakeQuickBooks(options);
  const app = appFor(fake);
  const tokens = new RefreshingTokens(app, fake.issueTokens());
  const connect = async (extra: Record<string, unknown> = {}) =>
    quickbooksConnector.create({
      app,
      config: quickbooksConfigSchema.parse({ realmId: fake.realmId, ...config, ...extra }),
      secrets: {},
      logger: silent,
      clock: { now: () => new Date() },
      fetch,
      tokens,
    });
  return { fake, app, tokens, plugin: await connect(), connect };
}
