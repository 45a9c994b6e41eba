import { z } from "zod";
import type { LadderPolicy } from "./ladder";

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes");

export const ladderStepSchema = z.object({
  id: slug,
  offsetDays: z.number().int().min(-365).max(3650),
  action: z.literal("email"),
  template: slug,
});

export const ladderPolicySchema = z
  .object({
    key: slug,
    version: z.number().int().positive().default(1),
    name: z.string().min(1),
    steps: z.array(ladderStepSchema).min(1).max(50),
  })
  .superRefine((policy, ctx) => {
    const seen = new Set<string>();
    policy.steps.forEach((step, index) => {
      if (seen.has(step.id))
        ctx.addIssue({ code: "custom", path: ["steps", index, "id"], message: `duplicate step id "${step.id}"` });
      seen.add(step.id);
      const previous = policy.steps[index - 1];
      if (previous && step.offsetDays <= previous.offsetDays) {
        ctx.addIssue({
          code: "custom",
          path: ["steps", index, "offsetDays"],
          message: `must be later than the previous step (${previous.offsetDays})`,
        });
      }
    });
  }) satisfies z.ZodType<LadderPolicy, unknown>;
