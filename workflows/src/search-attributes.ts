import type { CalendarDate, CaseState } from "@relance/core/workflow";
import { daysBetween } from "@relance/core/workflow";
import { defineSearchAttributeKey, SearchAttributeType } from "@temporalio/common";

/** Custom search attributes; registered on the dev server at start (`--search-attribute`). */
export const tenantSearchAttribute = defineSearchAttributeKey("RelanceTenant", SearchAttributeType.KEYWORD);
export const stageSearchAttribute = defineSearchAttributeKey("RelanceStage", SearchAttributeType.KEYWORD);
/** How late the oldest open invoice is: "not_due", "1-30", "31-60", "61-90", "90+". */
export const overdueBandSearchAttribute = defineSearchAttributeKey("RelanceOverdueBand", SearchAttributeType.KEYWORD);

export const searchAttributes = [tenantSearchAttribute, stageSearchAttribute, overdueBandSearchAttribute] as const;

/** `--search-attribute` values for `temporal server start-dev`. */
export const searchAttributeFlags = searchAttributes.map((key) => `${key.name}=Keyword`);

export function overdueBandOf(state: CaseState, today: CalendarDate): string {
  const oldest = state.invoices
    .filter((invoice) => invoice.balanceMinor > 0)
    .map((invoice) => invoice.dueDate)
    .sort()[0];
  if (oldest === undefined) return "none";
  const days = daysBetween(oldest, today);
  if (days <= 0) return "not_due";
  if (days <= 30) return "1-30";
  if (days <= 60) return "31-60";
  if (days <= 90) return "61-90";
  return "90+";
}
