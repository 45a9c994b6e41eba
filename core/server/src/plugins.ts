/** The plugins this server ships with. The only place that names them. */
import { csvConnector } from "@relance/connector-csv";
import { PluginRegistry } from "@relance/core";
import { agencyOutboxPlugin } from "@relance/plugin-agency-outbox";
import { emailSendgridPlugin } from "@relance/plugin-email-sendgrid";
import { outboxPlugin } from "@relance/plugin-outbox";

export function createPluginRegistry(): PluginRegistry {
  return new PluginRegistry()
    .register(outboxPlugin)
    .register(emailSendgridPlugin)
    .register(agencyOutboxPlugin)
    .register(csvConnector);
}
