import { isRelanceError } from "@relance/core";
import { ApplicationFailure } from "@temporalio/common";

/** Typed plugin errors become Temporal failures: retried only when retrying can help, after the hinted delay. */
export function toActivityFailure(error: unknown): unknown {
  if (!isRelanceError(error)) return error;
  return ApplicationFailure.create({
    type: error.code,
    message: error.message,
    nonRetryable: !error.retryable,
    ...(error.retryAfterMs === undefined ? {} : { nextRetryDelay: error.retryAfterMs }),
    details: error.issues.length ? [error.issues] : [],
  });
}
