import { defineSearchAttributeKey, SearchAttributeType } from "@temporalio/common";

/** Custom search attributes; registered on the dev server at start (`--search-attribute`). */
export const tenantSearchAttribute = defineSearchAttributeKey("RelanceTenant", SearchAttributeType.KEYWORD);
export const stageSearchAttribute = defineSearchAttributeKey("RelanceStage", SearchAttributeType.KEYWORD);

export const searchAttributes = [tenantSearchAttribute, stageSearchAttribute] as const;

/** `--search-attribute` values for `temporal server start-dev`. */
export const searchAttributeFlags = searchAttributes.map((key) => `${key.name}=Keyword`);
