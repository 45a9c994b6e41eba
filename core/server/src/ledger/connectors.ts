/**
 * Builds the connector plugin of a stored ledger connection: its settings, and for OAuth connections a
 * token provider on the connection's grant. Plugins keep no state, so one is built per use.
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
  return {
    async connectorFor(connection) {
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
    },
  };
}
