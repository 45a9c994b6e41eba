export * from "./dates";
export * from "./domain";
export * from "./errors";
export * from "./ladder";
export * from "./money";
export * from "./plugins";
export * from "./policy-schema";
export * from "./registry";
