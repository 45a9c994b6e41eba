/**
 * Quiet hours and business days in the debtor's time zone. Time zones are data that changes (and
 * `Intl` reads it), so this runs in activities, never in workflow code.
 */
import { memoByKey } from "@relance/core";

export interface SendWindow {
  readonly businessDaysOnly: boolean;
  readonly quietHours?: { readonly start: string; readonly end: string };
}

const STEP_MS = 15 * 60_000;
const HORIZON_MS = 9 * 86_400_000;
const formatterFor = memoByKey(
  (timeZone) =>
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }),
);

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

function minutesOf(time: string): number {
  const [hours, minutes] = time.split(":").map(Number) as [number, number];
  return hours * 60 + minutes;
}

/** Whether a contact may be made at `instant` for a debtor in `timeZone`. */
export function isInWindow(instant: number, timeZone: string, window: SendWindow): boolean {
  const parts = formatterFor(timeZone).formatToParts(new Date(instant));
  const part = (type: string) => parts.find((candidate) => candidate.type === type)?.value ?? "";
  if (window.businessDaysOnly && (part("weekday") === "Sat" || part("weekday") === "Sun")) return false;
  if (window.quietHours) {
    const now = Number(part("hour")) * 60 + Number(part("minute"));
    const start = minutesOf(window.quietHours.start);
    const end = minutesOf(window.quietHours.end);
    const quiet = start <= end ? now >= start && now < end : now >= start || now < end;
    if (quiet) return false;
  }
  return true;
}

/**
 * The first instant at or after `instant` inside the window, to the quarter hour; `instant` itself when
 * it is already inside. Falls back to `instant` if a window never opens (a policy mistake), rather than
 * never contacting anyone.
 */
export function nextWindowOpening(instant: number, timeZone: string, window: SendWindow): number {
  if (isInWindow(instant, timeZone, window)) return instant;
  const first = Math.ceil(instant / STEP_MS) * STEP_MS;
  for (let candidate = first; candidate <= instant + HORIZON_MS; candidate += STEP_MS) {
    if (isInWindow(candidate, timeZone, window)) return candidate;
  }
  return instant;
}
