/** Shared set-up for plugin tests: the manifest wired to the fake Intuit, with a real refreshing TokenProvider. */
import type { ConnectorPlugin, Logger, OAuthTokens, TokenProvider } from "@relance/core";
import { type FakeQuickBooks, type FakeQuickBooksOptions, startFakeQuickBooks } from "../../../test/fakes/quickbooks";
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
export class RefreshingTokens implements TokenProvider {
  rejections = 0;
  constructor(
    private readonly app: QuickBooksApp,
    public tokens: OAuthTokens,
  ) {}
  async accessToken() {
    return this.tokens.accessToken;
  }
  async rejected(token: string) {
    this.rejections += 1;
    const oauth = quickbooksConnector.oauth;
    if (!oauth) throw new Error("no oauth flow");
    if (token === this.tokens.accessToken) this.tokens = await oauth.refresh(this.app, this.tokens);
    return this.tokens.accessToken;
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
  const issued = fake.issueTokens();
  const tokens = new RefreshingTokens(app, {
    accessToken: issued.access_token,
    refreshToken: issued.refresh_token,
    expiresAt: Date.now() + issued.expires_in * 1000,
  });
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
