/**
 * OAuth tokens of ledger grants, kept fresh without ever logging a tenant out. Refresh tokens rotate:
 * two processes refreshing the same grant at once would each get a new token and the loser's would be
 * refused, so a refresh runs
 *   - once per grant per process (concurrent callers share the in-flight promise),
 *   - under the grant's row lock (other processes wait), and
 *   - after re-reading the grant inside that lock: if someone else refreshed meanwhile, their tokens are
 *     used and no refresh call is made.
 * The rotated tokens are saved in the same transaction. If the process dies after the provider answered
 * but before the commit, the stored (old) refresh token is still what the next attempt uses; providers
 * accept it during a grace period (Xero: 30 minutes), so a re-read is the recovery.
 * A refused refresh flags the grant "needs re-authorisation": its connections' syncs pause and the
 * tenant gets a task and a timeline entry; nothing else stops.
 */
import {
  isRelanceError,
  type Logger,
  type OAuthTokens,
  type PluginRegistry,
  RelanceError,
  type TokenProvider,
} from "@relance/core";
import type { Store } from "@relance/store";
import { askToReconnect } from "./reconnect";

export interface GrantTokensOptions {
  readonly store: Store;
  readonly registry: PluginRegistry;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Refresh this long before expiry (default 5 minutes). */
  readonly refreshMarginMs?: number;
  /** Told when a grant needs re-authorisation (e.g. to pause its connections' schedules). */
  readonly onNeedsReauth?: (tenantId: string, grantId: string) => Promise<void>;
}

export class GrantTokens {
  readonly #options: GrantTokensOptions;
  readonly #cache = new Map<string, OAuthTokens>();
  readonly #inFlight = new Map<string, Promise<OAuthTokens>>();
  /** Refresh calls this process made (for tests and metrics). */
  refreshes = 0;

  constructor(options: GrantTokensOptions) {
    this.#options = options;
  }

  /** The token provider handed to a connector created for a connection of this grant. */
  providerFor(tenantId: string, grantId: string): TokenProvider {
    return {
      accessToken: async () => (await this.current(tenantId, grantId)).accessToken,
      rejected: async (token) => (await this.#refresh(tenantId, grantId, token)).accessToken,
    };
  }

  /** Tokens valid for at least the refresh margin, refreshing them when needed. */
  async current(tenantId: string, grantId: string): Promise<OAuthTokens> {
    const cached = this.#cache.get(grantId);
    if (cached && this.#fresh(cached)) return cached;
    const grant = await this.#options.store.getGrant(tenantId, grantId);
    if (!grant) throw new RelanceError("not_found", `grant ${grantId} not found`);
    if (grant.status !== "active") throw needsReauth(grant.statusReason);
    const stored = grant.tokens();
    if (this.#fresh(stored)) {
      this.#cache.set(grantId, stored);
      return stored;
    }
    return this.#refresh(tenantId, grantId, undefined);
  }

  /** Forgets cached tokens (after a disconnect or a new authorisation). */
  forget(grantId: string): void {
    this.#cache.delete(grantId);
  }

  #fresh(tokens: OAuthTokens): boolean {
    const now = this.#options.now?.() ?? Date.now();
    return tokens.expiresAt - (this.#options.refreshMarginMs ?? 5 * 60_000) > now;
  }

  #refresh(tenantId: string, grantId: string, rejected: string | undefined): Promise<OAuthTokens> {
    const running = this.#inFlight.get(grantId);
    if (running) return running;
    const attempt = this.#refreshLocked(tenantId, grantId, rejected).finally(() => this.#inFlight.delete(grantId));
    this.#inFlight.set(grantId, attempt);
    return attempt;
  }

  async #refreshLocked(tenantId: string, grantId: string, rejected: string | undefined): Promise<OAuthTokens> {
    const { store, registry, logger } = this.#options;
    let refused: RelanceError | undefined;
    const tokens = await store.transaction(async (tx) => {
      const grant = await tx.getGrant(tenantId, grantId, { forUpdate: true });
      if (!grant) throw new RelanceError("not_found", `grant ${grantId} not found`);
      if (grant.status !== "active") throw needsReauth(grant.statusReason);
      const stored = grant.tokens();
      // Someone refreshed while we waited for the lock: theirs are good.
      if (this.#fresh(stored) && stored.accessToken !== rejected) return stored;
      const oauth = registry.get(grant.pluginId, "connector").oauth;
      if (!oauth) throw new RelanceError("misconfigured", `plugin "${grant.pluginId}" has no OAuth flow`);
      this.refreshes++;
      try {
        const fresh = await oauth.refresh(registry.app(grant.pluginId), stored);
        await tx.saveGrantTokens(tenantId, grantId, fresh);
        return fresh;
      } catch (error) {
        if (isRelanceError(error) && error.code === "unauthorized" && !error.retryable) {
          refused = error;
          return undefined;
        }
        throw error;
      }
    });
    if (tokens) {
      this.#cache.set(grantId, tokens);
      return tokens;
    }
    const reason = `the ledger refused to renew access (${refused?.message ?? "refresh refused"}): reconnect it`;
    logger.warn({ tenantId, grantId }, "a ledger grant needs re-authorisation");
    this.#cache.delete(grantId);
    await flagNeedsReauth(store, tenantId, grantId, reason);
    await this.#options.onNeedsReauth?.(tenantId, grantId);
    throw needsReauth(reason);
  }
}

function needsReauth(reason: string | null): RelanceError {
  return new RelanceError("unauthorized", reason ?? "this ledger connection needs to be authorised again");
}

/** Flags the grant and its connections, and tells the tenant: a timeline entry and one open task. */
async function flagNeedsReauth(store: Store, tenantId: string, grantId: string, reason: string): Promise<void> {
  const grant = await store.getGrant(tenantId, grantId);
  await store.setGrantStatus(tenantId, grantId, "needs_reauth", reason);
  const connections = (await store.listConnections(tenantId, { kind: "connector" })).filter(
    (connection) => connection.grantId === grantId,
  );
  const names = connections.map((connection) => connection.name).join(", ") || grant?.connectionName || "a ledger";
  await askToReconnect(store, tenantId, {
    names,
    status: "needs_reauth",
    summary: `${names}: access to the ledger was refused; syncing is paused until it is reconnected`,
    detail: { grantId, connectionIds: connections.map((connection) => connection.id), reason },
    taskKey: `reconnect:${grantId}:${grant?.refreshedAt?.getTime() ?? 0}`,
  });
}
