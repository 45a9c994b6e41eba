import { readdir, readFile } from "node:fs/promises";
import { join, sep } from "node:path";
import { RelanceError } from "@relance/core";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { templatesDir } from "./paths";

export const messageTemplateSchema = z.object({
  subject: z.string().min(1),
  text: z.string().min(1),
});

export type MessageTemplate = z.infer<typeof messageTemplateSchema>;

/** Templates by language, then by name: templates.get("fr")?.get("first-reminder"). */
export type TemplateCatalog = ReadonlyMap<string, ReadonlyMap<string, MessageTemplate>>;

export async function loadTemplates(directory = templatesDir): Promise<TemplateCatalog> {
  const catalog = new Map<string, Map<string, MessageTemplate>>();
  for (const language of (await readdir(directory, { withFileTypes: true })).filter((entry) => entry.isDirectory())) {
    const templates = new Map<string, MessageTemplate>();
    // Keys may have folders ("fr-b2b/formal-notice" is fr/fr-b2b/formal-notice.yaml).
    const files = (await readdir(join(directory, language.name), { recursive: true }))
      .map((name) => name.split(sep).join("/"))
      .filter((name) => name.endsWith(".yaml"))
      .sort();
    for (const file of files) {
      const parsed = messageTemplateSchema.safeParse(parseYaml(await readFile(join(directory, language.name, file), "utf8")));
      if (!parsed.success) {
        throw new RelanceError(
          "misconfigured",
          `template ${language.name}/${file}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
        );
      }
      templates.set(file.replace(/\.yaml$/, ""), parsed.data);
    }
    catalog.set(language.name, templates);
  }
  return catalog;
}
