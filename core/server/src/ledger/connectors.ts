/**
 * Builds the connector plugin of a stored ledger connection: its settings, and for OAuth connections a
 * token provider on the connection's grant. One instance per connection is kept while its settings stay
 * the same, so what a connector learns about the vendor's rate limit (Xero's calls left this minute)
 * carries from one sync page to the next instead of being relearnt through a 429.
 */
import { type ConnectorPlugin, type PluginRegistry, RelanceError } from "@relance/core";
import type { ConnectionSummary, Store } from "@relance/store";
import type { AppLogger } from "../logger";
import type { GrantTokens } from "./grant-tokens";

export interface ConnectorFactory {
  connectorFor(connection: ConnectionSummary): Promise<ConnectorPlugin>;
}

export function createConnectorFactory(options: {
  readonly store: Store;
  readonly registry: PluginRegistry;
  readonly tokens: GrantTokens;
  readonly logger: AppLogger;
}): ConnectorFactory {
  const { store, registry, tokens, logger } = options;
  const built = new Map<string, { readonly key: string; readonly connector: Promise<ConnectorPlugin> }>();
  return {
    async connectorFor(connection) {
      const key = JSON.stringify([connection.pluginId, connection.grantId, connection.config]);
      const cached = built.get(connection.id);
      if (cached?.key === key) return cached.connector;
      const connector = build(connection);
      built.delete(connection.id);
      built.set(connection.id, { key, connector });
      connector.catch(() => {
        if (built.get(connection.id)?.connector === connector) built.delete(connection.id);
      });
      // Oldest first in a Map: keep the most recently built few thousand.
      if (built.size > 5000) built.delete(built.keys().next().value as string);
      return connector;
    },
  };

  async function build(connection: ConnectionSummary): Promise<ConnectorPlugin> {
    if (connection.kind !== "connector") {
      throw new RelanceError("misconfigured", `connection ${connection.id} is not a ledger connection`);
    }
    const manifest = registry.get(connection.pluginId, "connector");
    const secrets =
      manifest.auth.type === "oauth2" || !connection.hasSecrets
        ? {}
        : ((await store.getConnection(connection.tenantId, connection.id))?.secrets() ?? {});
    if (manifest.auth.type === "oauth2" && !connection.grantId) {
      throw new RelanceError("misconfigured", `connection ${connection.id} has no OAuth grant`);
    }
    return registry.create(connection.pluginId, "connector", {
      config: connection.config,
      secrets,
      logger: logger.child({ connectionId: connection.id, plugin: connection.pluginId }),
      ...(connection.grantId ? { tokens: tokens.providerFor(connection.tenantId, connection.grantId) } : {}),
    });
  }
}
