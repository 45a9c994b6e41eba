/**
 * Intuit's error bodies. Most errors: `{Fault: {Error: [{Message, Detail, code, element}], type}, time}`
 * (HTTP 400 for validation, 429 for throttling, 500 for system faults). Authentication failures (401)
 * come in the platform's other serialisation, lower-case `fault.error`, which node-quickbooks' own
 * types also describe.
 */
import { intuitTime } from "./ledger";

export type FaultType = "ValidationFault" | "SystemFault" | "AuthorizationFault" | "SERVICE";

export function fault(type: FaultType, message: string, detail: string, code: string, now: Date) {
  return {
    Fault: { Error: [{ Message: message, Detail: detail, code, element: "" }], type },
    time: intuitTime(now.getTime(), true),
  };
}

/** What QuickBooks answers to an expired, revoked or unknown bearer token. */
export function authenticationFault(detail: string, now: Date) {
  return {
    warnings: null,
    intuitObject: null,
    fault: {
      error: [
        {
          message: "message=AuthenticationFailed; errorCode=003200; statusCode=401",
          detail,
          code: "3200",
          element: null,
        },
      ],
      type: "AUTHENTICATION",
    },
    report: null,
    queryResponse: null,
    batchItemResponse: [],
    attachableResponse: [],
    syncErrorResponse: null,
    requestId: null,
    time: now.getTime(),
    status: null,
    cdcresponse: [],
  };
}

/** Body of a 429 (Intuit sends no Retry-After that we know of; the fake adds one only when asked). */
export function throttleFault(now: Date) {
  return fault(
    "SERVICE",
    "message=ThrottleExceeded; errorCode=003001; statusCode=429",
    "The request limit was reached.",
    "003001",
    now,
  );
}

/** Intuit's answer to a CDC request reaching further back than the 30 days it keeps (as reported by users). */
export function cdcWindowFault(changedSince: string, now: Date) {
  return fault(
    "ValidationFault",
    "Invalid changedSince",
    `Operation cdc with changedSince date ${changedSince} which is older than fixed days is not supported.`,
    "2010",
    now,
  );
}

export function staleObjectFault(now: Date) {
  return fault(
    "ValidationFault",
    "Stale Object Error",
    "Stale Object Error : You and root were working on this at the same time. root finished before you did, so your work was not saved.",
    "5010",
    now,
  );
}

export function notFoundFault(entity: string, id: string, now: Date) {
  return fault(
    "ValidationFault",
    "Object Not Found",
    `Object Not Found : Something you're trying to use has been made inactive or deleted. Check the ${entity} with Id ${id}.`,
    "610",
    now,
  );
}

export function invalidReferenceFault(what: string, now: Date) {
  return fault("ValidationFault", "Invalid Reference Id", `Invalid Reference Id : ${what}`, "2500", now);
}
