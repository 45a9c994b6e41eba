import { fileURLToPath } from "node:url";

export const configDir = fileURLToPath(new URL("..", import.meta.url));
export const policiesDir = fileURLToPath(new URL("../policies/", import.meta.url));
export const templatesDir = fileURLToPath(new URL("../templates/", import.meta.url));
export const demoLedgerPath = fileURLToPath(new URL("../demo/ledger.csv", import.meta.url));
