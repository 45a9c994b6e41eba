/** The part of the core that Temporal workflow code may import: types and pure functions only. */
export * from "./collection/case-events";
export * from "./collection/case-rules";
export * from "./collection/case-state";
export * from "./collection/planner";
export * from "./collection/policy";
export * from "./dates";
export * from "./ladder";
export type { CurrencyCode, Money } from "./money";
export type { LedgerChange } from "./plugins";
