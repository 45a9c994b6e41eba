/**
 * Which preset reads a file: the one set, or the one its header (and the title lines above it) says.
 * The ledger format stays the default whenever its required columns are all there.
 */
import type { Issue } from "@relance/core";
import { resolveHeader } from "../columns";
import type { Preset, ResolvedOptions } from "../options";
import { RowReader } from "../rows";
import { presetNames } from "./common";
import { fecSetup, looksLikeFec } from "./fec";
import { looksLikeQuickBooks, quickBooksReport, quickBooksSetup } from "./quickbooks";
import type { PresetSetup } from "./reader";
import { looksLikeXeroAgedReceivables, looksLikeXeroInvoices, xeroAgedSetup, xeroInvoicesSetup } from "./xero";

export interface HeaderFound {
  readonly header: readonly string[];
  readonly line: number;
  /** Non-empty lines above the header (report titles). */
  readonly titles: readonly string[];
  readonly options: ResolvedOptions;
}

export function choosePreset(found: HeaderFound): PresetSetup | Issue[] {
  const { header, line, titles, options } = found;
  if (options.preset !== "auto") return setUp(options.preset, found);

  const names = presetNames(header);
  const candidates: Preset[] = [];
  if (resolveHeader(header, options.mapping, line).issues.length === 0) candidates.push("ledger");
  if (looksLikeFec(header)) candidates.push("fec");
  if (looksLikeXeroInvoices(names)) candidates.push("xero-invoices");
  if (looksLikeXeroAgedReceivables(names)) candidates.push("xero-aged-receivables");
  if (looksLikeQuickBooks(names)) {
    const report = quickBooksReport(names, titles);
    if (report === undefined) candidates.push("qbo-invoice-list", "qbo-ar-aging");
    else candidates.push(report);
  }
  const [only] = candidates;
  // Nothing recognised: the ledger format's own problems (missing columns…) say what to fix.
  if (only === undefined) return setUp("ledger", found);
  if (candidates.length === 1) return setUp(only, found);
  return [
    {
      line,
      message: `the header fits several presets (${candidates.join(", ")}); set the preset setting to the one this file is`,
    },
  ];
}

function setUp(preset: Preset, found: HeaderFound): PresetSetup | Issue[] {
  const { header, line, options } = found;
  switch (preset) {
    case "ledger":
      return ledgerSetup(found);
    case "fec":
      return fecSetup(header, line, options);
    case "xero-invoices":
      return xeroInvoicesSetup(found);
    case "xero-aged-receivables":
      return xeroAgedSetup(found);
    case "qbo-invoice-list":
    case "qbo-ar-aging":
      return quickBooksSetup(preset, found);
  }
}

function ledgerSetup({ header, line, options }: HeaderFound): PresetSetup | Issue[] {
  const { layout, issues } = resolveHeader(header, options.mapping, line);
  if (issues.length > 0) return issues;
  const positions = [layout.index.amount];
  if (layout.index.amount_due !== -1) positions.push(layout.index.amount_due);
  return {
    preset: "ledger",
    amountPositions: positions,
    // Set by the parser from the delimiter: "," for ";"-separated files, "." otherwise.
    defaultMark: ".",
    ignored: layout.ignored,
    create: (context) => new RowReader({ ...context, layout, dateFormat: options.dateFormat }),
  };
}
