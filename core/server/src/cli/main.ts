/** `relance`: run the product (start, worker, api) and administer it (tenant, import, policy). */
import { readFile } from "node:fs/promises";
import { loadEnv, loadTemplates, missingTemplates, parsePolicy } from "@relance/config";
import { PRESETS } from "@relance/connector-csv";
import { describeIssue, isRelanceError, RelanceError } from "@relance/core";
import { Command, Option } from "commander";
import { importFile } from "./import-command";
import { runApi, runStart, runWorker } from "./run-commands";
import { createTenantCommand } from "./tenant-command";

const program = new Command()
  .name("relance")
  .description("Relance: the collections hub. Ledgers in, one durable case per debtor, reminders out.")
  .showHelpAfterError();

program
  .command("start")
  .description("Run everything in one process tree: Temporal dev server (unless TEMPORAL_ADDRESS), worker, API")
  .option("--demo", "create a demo tenant and import the demo ledger (config/demo/ledger.csv) with days lasting seconds")
  .action((options: { demo?: boolean }) => runStart({ demo: Boolean(options.demo) }));

program
  .command("worker")
  .description("Run a worker (needs TEMPORAL_ADDRESS or a server on localhost:7233)")
  .action(() => runWorker());
program
  .command("api")
  .description("Run the HTTP API")
  .action(() => runApi());

const tenant = program.command("tenant").description("Manage tenants");
tenant
  .command("create")
  .argument("<name>", "company name, shown in messages")
  .option("--slug <slug>", "short unique name (default: from the name)")
  .option("--language <code>", "default language of messages", "en")
  .option("--sender-name <name>", "who signs the messages (default: the company name)")
  .requiredOption("--sender-email <email>", "reply-to address of the messages")
  .description("Create a tenant and print its first API key (shown once)")
  .action(createTenantCommand);

program
  .command("import")
  .argument("<file>", "ledger file: Relance CSV, FEC, or a Xero / QuickBooks export")
  .requiredOption("--tenant <slug>", "tenant slug")
  .option("--connection <name>", "name of the CSV ledger within the tenant", "default")
  .addOption(new Option("--preset <preset>", "the file's layout (default: detected from its header)").choices([...PRESETS]))
  .addOption(new Option("--encoding <encoding>").choices(["auto", "utf-8", "windows-1252", "iso-8859-15"]))
  .addOption(new Option("--delimiter <delimiter>").choices([",", ";", "tab", "|"]))
  .option("--currency <code>", "currency of files that name none (QuickBooks reports)")
  .option("--payment-term-days <days>", "days from issue to due date when the file has none (FEC); default 30")
  .addOption(new Option("--date-format <format>").choices(["dmy", "mdy", "iso"]))
  .option("--mapping <json>", 'your headers to ours, e.g. {"Client":"debtor_name"}')
  .description("Import a ledger file: all of it or nothing, then update the debtors' cases")
  .action(importFile);

const policy = program.command("policy").description("Escalation policies");
policy
  .command("validate")
  .argument("<file>", "policy YAML file")
  .description("Check a policy file; errors name the exact path")
  .action(async (file: string) => {
    const parsed = parsePolicy(await readFile(file, "utf8"), file);
    const templates = await loadTemplates();
    const missing = missingTemplates(parsed, (language, name) => templates.get(language)?.has(name) ?? false);
    if (missing.length > 0) {
      throw new RelanceError("validation_failed", `${file}: ${missing.length} template(s) missing in config/templates`, {
        issues: missing.map((name) => ({ path: name, message: "no such template" })),
      });
    }
    console.log(`${file}: valid — "${parsed.name}" (${parsed.key} v${parsed.version}), ${parsed.steps.length} steps`);
  });

program
  .command("env")
  .description("List the environment variables Relance reads")
  .action(async () => {
    const { describeEnv } = await import("@relance/config");
    for (const { name, description } of describeEnv()) console.log(`${name}\n    ${description}`);
  });

try {
  loadEnv();
  await program.parseAsync(process.argv);
} catch (error) {
  if (isRelanceError(error)) {
    console.error(`relance: ${error.message}`);
    for (const issue of error.issues.slice(0, 50)) console.error(`  - ${describeIssue(issue)}`);
    if (error.issues.length > 50) console.error(`  … and ${error.issues.length - 50} more`);
  } else {
    console.error(`relance: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exitCode = 1;
}
