export { isKeyPart, keyPart } from "./files";
export {
  type AgencyOutboxConfig,
  agencyOutboxConfigSchema,
  agencyOutboxPlugin,
  agencyOutboxPlugin as default,
  agencyOutboxSecretsSchema,
  type ClaimLogEntry,
  claimIdFor,
  claimsDirectory,
  findClaim,
  type PlacedClaim,
} from "./plugin";
export { bundleIssues } from "./validate";
