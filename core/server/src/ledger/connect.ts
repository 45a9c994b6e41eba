/**
 * The OAuth connect flow of a ledger. `start` makes a random `state` (stored hashed, bound to the tenant,
 * the API key, the plugin and a browser cookie; single-use, 10 minutes) and a PKCE pair when the provider
 * takes one. `callback` checks all of that, exchanges the code, stores the tokens encrypted in a grant,
 * and connects the account — or, when the grant opens several (Xero organisations), waits for the
 * tenant to choose. Disconnecting revokes the grant once no connection uses it.
 */
import { createHash, randomBytes } from "node:crypto";
import type { OAuthAccount, PluginRegistry } from "@relance/core";
import { RelanceError } from "@relance/core";
import type { Store } from "@relance/store";
import type { GrantTokens } from "./grant-tokens";
import type { SyncSchedules } from "./schedules";

const STATE_TTL_MS = 10 * 60_000;
const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");
const randomToken = () => randomBytes(32).toString("base64url");

export interface ConnectStart {
  readonly authorizationUrl: string;
  /** Set as an HttpOnly cookie on the browser that follows the link; the callback must bring it back. */
  readonly browserNonce: string;
  readonly expiresAt: Date;
}

export interface ConnectedAccount {
  readonly connectionId: string;
  readonly accountId: string;
  readonly accountName: string;
  readonly created: boolean;
}

export interface ConnectOutcome {
  readonly tenantId: string;
  readonly grantId: string;
  readonly accounts: readonly OAuthAccount[];
  /** Empty when the grant opens several accounts and the tenant must choose. */
  readonly connections: readonly ConnectedAccount[];
}

export interface LedgerConnect {
  start(input: { tenantId: string; apiKeyId: string | null; pluginId: string; name?: string }): Promise<ConnectStart>;
  callback(pluginId: string, query: Readonly<Record<string, string>>, browserNonce: string | undefined): Promise<ConnectOutcome>;
  choose(tenantId: string, grantId: string, accountIds: readonly string[]): Promise<ConnectedAccount[]>;
  disconnect(tenantId: string, connectionId: string): Promise<void>;
}

export function createLedgerConnect(options: {
  readonly store: Store;
  readonly registry: PluginRegistry;
  readonly tokens: GrantTokens;
  readonly schedules: SyncSchedules;
  readonly syncEveryMinutes: number;
}): LedgerConnect {
  const { store, registry, tokens, schedules } = options;

  function oauthOf(pluginId: string) {
    if (!registry.has(pluginId)) throw new RelanceError("not_found", `no ledger plugin "${pluginId}"`);
    const manifest = registry.get(pluginId, "connector");
    if (manifest.auth.type !== "oauth2" || !manifest.oauth) {
      throw new RelanceError("validation_failed", `"${pluginId}" does not connect through OAuth`);
    }
    if (registry.app(pluginId) === undefined) {
      throw new RelanceError(
        "provider_unavailable",
        `${manifest.displayName} is not set up on this server: its OAuth app (client id, client secret, redirect URI) is not configured`,
      );
    }
    return { manifest, oauth: manifest.oauth, app: registry.app(pluginId) };
  }

  async function connect(tenantId: string, pluginId: string, grantId: string, accounts: readonly OAuthAccount[]) {
    const { oauth } = oauthOf(pluginId);
    const grant = await store.getGrant(tenantId, grantId);
    const connected: ConnectedAccount[] = [];
    for (const account of accounts) {
      const { id, created } = await store.connectAccount(tenantId, {
        pluginId,
        grantId,
        account,
        name: grant?.connectionName ?? account.name,
        config: oauth.connectionConfig(account),
      });
      await schedules.ensure(tenantId, id, options.syncEveryMinutes);
      await schedules.resume(tenantId, id);
      await schedules.trigger(tenantId, id);
      connected.push({ connectionId: id, accountId: account.id, accountName: account.name, created });
    }
    return connected;
  }

  return {
    async start({ tenantId, apiKeyId, pluginId, name }) {
      const { manifest, oauth, app } = oauthOf(pluginId);
      const state = randomToken();
      const browserNonce = randomToken();
      const codeVerifier = manifest.auth.type === "oauth2" && manifest.auth.pkce ? randomToken() : undefined;
      const codeChallenge = codeVerifier && createHash("sha256").update(codeVerifier).digest("base64url");
      const expiresAt = new Date(Date.now() + STATE_TTL_MS);
      await store.createOAuthState({
        tenantId,
        apiKeyId,
        pluginId,
        stateHash: sha256(state),
        browserHash: sha256(browserNonce),
        ...(codeVerifier ? { codeVerifier } : {}),
        connectionName: name ?? manifest.displayName,
        expiresAt,
      });
      const authorizationUrl = await oauth.authorizationUrl(app, { state, ...(codeChallenge ? { codeChallenge } : {}) });
      return { authorizationUrl, browserNonce, expiresAt };
    },

    async callback(pluginId, query, browserNonce) {
      const { oauth, app } = oauthOf(pluginId);
      if (query.error) {
        throw new RelanceError("forbidden", `the ledger did not grant access: ${query.error_description ?? query.error}`);
      }
      if (!query.state || !query.code) throw new RelanceError("validation_failed", "the callback has no code or state");
      if (!browserNonce) throw new RelanceError("forbidden", "this authorisation was started from another browser session");
      // Matched by hash in the database: the cookie's value never meets a timing-sensitive compare.
      const bound = await store.consumeOAuthState(pluginId, sha256(query.state), sha256(browserNonce));
      const { tokens: granted, accounts } = await oauth.exchangeCode(app, {
        code: query.code,
        ...(bound.codeVerifier ? { codeVerifier: bound.codeVerifier } : {}),
        query,
      });
      if (accounts.length === 0) throw new RelanceError("forbidden", "the authorisation opens no ledger");
      const grantId = await store.createGrant(bound.tenantId, {
        pluginId,
        tokens: granted,
        accounts,
        connectionName: bound.connectionName,
      });
      const connections = accounts.length === 1 ? await connect(bound.tenantId, pluginId, grantId, accounts) : [];
      return { tenantId: bound.tenantId, grantId, accounts, connections };
    },

    async choose(tenantId, grantId, accountIds) {
      const grant = await store.getGrant(tenantId, grantId);
      if (!grant) throw new RelanceError("not_found", `grant ${grantId} not found`);
      if (grant.status !== "active") throw new RelanceError("conflict", `grant ${grantId} is ${grant.status}`);
      const unknown = accountIds.filter((id) => !grant.accounts.some((account) => account.id === id));
      if (unknown.length > 0 || accountIds.length === 0) {
        throw new RelanceError("validation_failed", "choose among the accounts this authorisation opens", {
          issues: (unknown.length ? unknown : [""]).map((id) => ({
            path: "accountIds",
            message: id
              ? `"${id}" is not one of ${grant.accounts.map((account) => account.id).join(", ")}`
              : "choose at least one",
          })),
        });
      }
      return connect(
        tenantId,
        grant.pluginId,
        grantId,
        grant.accounts.filter((account) => accountIds.includes(account.id)),
      );
    },

    async disconnect(tenantId, connectionId) {
      const connection = await store.getConnection(tenantId, connectionId);
      if (connection?.kind !== "connector") throw new RelanceError("not_found", `connection ${connectionId} not found`);
      await schedules.remove(tenantId, connectionId);
      await store.setConnectionStatus(tenantId, connectionId, "disabled", "disconnected by the tenant");
      if (!connection.grantId) return;
      const grant = await store.getGrant(tenantId, connection.grantId);
      if (!grant || grant.status === "revoked") return;
      const { oauth, app } = oauthOf(connection.pluginId);
      const account = grant.accounts.find((candidate) => candidate.id === connection.accountId);
      const stillUsed = (await store.countGrantConnections(tenantId, grant.id)) > 0;
      // The last connection of a grant revokes it; with others left only this account's access goes.
      if (grant.status === "active") {
        await oauth.revoke(
          app,
          await tokens.current(tenantId, grant.id).catch(() => grant.tokens()),
          stillUsed ? account : undefined,
        );
      }
      if (!stillUsed) {
        await store.setGrantStatus(tenantId, grant.id, "revoked", "disconnected by the tenant");
        tokens.forget(grant.id);
      }
    },
  };
}
