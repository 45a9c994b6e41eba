/**
 * The resume point of a query-mode sync, carried opaquely between listChanges calls. Query mode reads
 * the first page of every entity in its opening batch call, then the entities with more one after
 * another in change order; within one it pages by keyset (the last change time read and how many
 * records at exactly that time were read), so records that change while the sync runs move behind the
 * cursor instead of shifting the pages under it.
 */
import { RelanceError } from "@relance/core";
import { z } from "zod";
import { SYNCED_ENTITIES } from "./qbo-types";

const positionSchema = z.object({ time: z.string(), skip: z.number().int().nonnegative() });

const cursorSchema = z.object({
  v: z.literal(1),
  /** Lower bound of every entity's read (ISO), absent for a full read. */
  since: z.string().optional(),
  /** Server time at the start of the read, minus a margin: the watermark of the last page; set by the count. */
  horizon: z.string().optional(),
  /** Entities still to read, the current one first. */
  entities: z.array(z.enum(SYNCED_ENTITIES)).min(1),
  /** Records left to read per entity (aligned with `entities`), counted at the start; absent until counted. */
  counts: z.array(z.number().int()).optional(),
  /** Keyset position in the current entity (the first of `entities`); absent: from its start. */
  after: positionSchema.optional(),
  /** Keyset positions of the entities after the current one (aligned with `entities.slice(1)`), as the
   * opening batch left them; null or absent: from their start. */
  laterAfter: z.array(positionSchema.nullable()).optional(),
  homeCurrency: z.string().optional(),
});

export type QueryCursor = z.infer<typeof cursorSchema>;

export function encodeCursor(cursor: QueryCursor): string {
  return Buffer.from(JSON.stringify(cursor), "utf8").toString("base64url");
}

export function decodeCursor(text: string): QueryCursor {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(text, "base64url").toString("utf8")));
  } catch {
    throw new RelanceError("validation_failed", "the QuickBooks sync cursor is not one this connector issued", {
      issues: [{ path: "cursor", message: "unreadable" }],
    });
  }
}
