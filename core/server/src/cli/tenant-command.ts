import { loadEnv } from "@relance/config";
import { createLogger } from "../logger";
import { withRuntime } from "./with-runtime";

export async function createTenantCommand(
  name: string,
  options: { slug?: string; language: string; senderName?: string; senderEmail: string },
): Promise<void> {
  const env = loadEnv();
  const logger = createLogger({ level: "warn", format: env.RELANCE_LOG_FORMAT });
  await withRuntime(env, logger, async (runtime) => {
    const slug = options.slug ?? slugify(name);
    const tenant = await runtime.store.createTenant({
      name,
      slug,
      defaultLanguage: options.language,
      senderName: options.senderName ?? name,
      senderEmail: options.senderEmail,
    });
    await runtime.syncPolicies(tenant.id);
    const { key } = await runtime.store.createApiKey(tenant.id, "created by relance tenant create");
    console.log(`Tenant "${name}" created (slug ${slug}, id ${tenant.id}).`);
    console.log(`API key (shown once, store it now): ${key}`);
  });
}

export function slugify(name: string): string {
  return (
    name
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 60) || "tenant"
  );
}
