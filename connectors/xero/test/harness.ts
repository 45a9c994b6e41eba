/** Builds the Xero connector against the fake with a small TokenProvider on the manifest's refresh. */
import { type ConnectorPlugin, type Logger, RelanceError } from "@relance/core";
import type { FakeXero } from "../../../test/fakes/xero";
import { type IssuedTokens, RefreshOnRejection, tokensOf } from "../../../test/support/tokens";
import { type XeroApp, type XeroConfig, xeroAppSchema, xeroConfigSchema, xeroConnector } from "../src";

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export function appFor(fake: FakeXero, overrides: Partial<XeroApp> = {}): XeroApp {
  return xeroAppSchema.parse({
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    redirectUri: "https://relance.example/oauth/xero/callback",
    webhookKey: fake.webhookKey,
    apiBaseUrl: fake.apiBaseUrl,
    identityBaseUrl: fake.identityBaseUrl,
    loginBaseUrl: fake.loginBaseUrl,
    httpTimeoutMs: 5000,
    ...overrides,
  });
}

/** Like the server's provider without the lock: refresh when told the token was refused. */
export class TestTokens extends RefreshOnRejection {
  constructor(app: XeroApp, issued: IssuedTokens) {
    super(tokensOf(issued), (current) => {
      const oauth = xeroConnector.oauth;
      if (!oauth) throw new RelanceError("misconfigured", "no oauth");
      return oauth.refresh(app, current);
    });
  }
}

export interface Connected {
  readonly plugin: ConnectorPlugin;
  readonly tokens: TestTokens;
  readonly app: XeroApp;
  readonly config: XeroConfig;
}

export async function connect(
  fake: FakeXero,
  options: { config?: Partial<XeroConfig>; app?: Partial<XeroApp>; now?: () => Date; tenantId?: string } = {},
): Promise<Connected> {
  const app = appFor(fake, options.app);
  const tenantId = options.tenantId ?? fake.organisations[0]?.tenantId ?? "";
  const issued = fake.connect([tenantId]);
  const tokens = new TestTokens(app, issued);
  const config = xeroConfigSchema.parse({ tenantId, ...options.config });
  const plugin = await xeroConnector.create({
    app,
    config,
    secrets: {},
    logger: silentLogger,
    clock: { now: options.now ?? (() => new Date()) },
    fetch,
    tokens,
  });
  return { plugin, tokens, app, config };
}

export async function drain(
  plugin: ConnectorPlugin,
  since?: string,
): Promise<{ pages: number; debtors: number; invoices: number; creditNotes: number; payments: number; watermark?: string }> {
  let cursor: string | undefined;
  const totals = { pages: 0, debtors: 0, invoices: 0, creditNotes: 0, payments: 0 };
  let watermark: string | undefined;
  do {
    const page = await plugin.listChanges({ ...(since ? { since } : {}), ...(cursor ? { cursor } : {}) });
    totals.pages++;
    totals.debtors += page.debtors.length;
    totals.invoices += page.invoices.length;
    totals.creditNotes += page.creditNotes.length;
    totals.payments += page.payments.length;
    watermark = page.watermark;
    cursor = page.cursor;
  } while (cursor);
  return { ...totals, ...(watermark ? { watermark } : {}) };
}
