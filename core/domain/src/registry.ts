import { type Issue, RelanceError } from "./errors";
import type { CapabilityOf, Clock, Logger, PluginKind, PluginManifest, TokenProvider } from "./plugins";

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export interface CreateOptions {
  readonly config: unknown;
  readonly secrets: unknown;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly fetch?: typeof fetch;
  readonly tokens?: TokenProvider;
}

function schemaIssues(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }, prefix: string): Issue[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
}

/** Plugins known to this process, by id. The core knows them only as data handed to it. */
export class PluginRegistry {
  readonly #plugins = new Map<string, PluginManifest>();
  readonly #apps = new Map<string, unknown>();

  /**
   * Adds a plugin. `app` is the deployment's settings for it (OAuth app, vendor base URLs), checked
   * against the manifest's `appSchema` here, once, so a misconfigured deployment fails at start-up.
   * A plugin that needs app settings and is given none stays registered but unconfigured.
   */
  register<Kind extends PluginKind, Config, Secrets, App>(
    manifest: PluginManifest<Kind, Config, Secrets, App>,
    app?: unknown,
  ): this {
    if (!KEBAB.test(manifest.id)) {
      throw new RelanceError("misconfigured", `plugin id "${manifest.id}" must be kebab-case`);
    }
    if (this.#plugins.has(manifest.id)) {
      throw new RelanceError("misconfigured", `plugin "${manifest.id}" is registered twice`);
    }
    // Without app settings the plugin is known but not configured here (e.g. no OAuth app): it cannot be connected.
    if (manifest.appSchema && app !== undefined) {
      const parsed = manifest.appSchema.safeParse(app);
      if (!parsed.success) {
        throw new RelanceError("misconfigured", `plugin "${manifest.id}" app settings are invalid`, {
          issues: schemaIssues(parsed.error, "app"),
        });
      }
      this.#apps.set(manifest.id, parsed.data);
    }
    // Held side by side whatever their Config/Secrets/App: `create` only ever sees what its schemas parsed.
    this.#plugins.set(manifest.id, manifest as unknown as PluginManifest);
    return this;
  }

  has(id: string): boolean {
    return this.#plugins.has(id);
  }

  list(kind?: PluginKind): PluginManifest[] {
    return [...this.#plugins.values()].filter((plugin) => kind === undefined || plugin.kind === kind);
  }

  get<Kind extends PluginKind>(id: string, kind: Kind): PluginManifest<Kind> {
    const manifest = this.#plugins.get(id);
    if (!manifest) throw new RelanceError("not_found", `no plugin "${id}" is registered`);
    if (manifest.kind !== kind) {
      throw new RelanceError("misconfigured", `plugin "${id}" is a ${manifest.kind}, not a ${kind}`);
    }
    return manifest as PluginManifest<Kind>;
  }

  /** The validated app settings of a registered plugin (undefined when it has none). */
  app(id: string): unknown {
    return this.#apps.get(id);
  }

  /** Validates settings and secrets against the plugin's schemas, then builds the plugin. */
  async create<Kind extends PluginKind>(id: string, kind: Kind, options: CreateOptions): Promise<CapabilityOf[Kind]> {
    const manifest = this.get(id, kind);
    const config = manifest.configSchema.safeParse(options.config);
    const secrets = manifest.secretsSchema.safeParse(options.secrets);
    const issues = [
      ...(config.success ? [] : schemaIssues(config.error, "config")),
      // Secret values never appear in messages: only where the problem is.
      ...(secrets.success
        ? []
        : schemaIssues(secrets.error, "secrets").map((issue) => ({ ...issue, message: "invalid or missing" }))),
    ];
    if (!config.success || !secrets.success) {
      throw new RelanceError("validation_failed", `plugin "${id}" is not configured correctly`, { issues });
    }
    return manifest.create({
      config: config.data,
      secrets: secrets.data,
      app: this.#apps.get(id),
      ...(options.tokens ? { tokens: options.tokens } : {}),
      logger: options.logger,
      clock: options.clock ?? { now: () => new Date() },
      fetch: options.fetch ?? globalThis.fetch,
    });
  }
}
