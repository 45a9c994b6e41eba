export * from "./env";
export * from "./paths";
export * from "./policies";
export * from "./templates";
