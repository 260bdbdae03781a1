/**
 * Times as the app writes them: RFC 3339 in UTC to the second (`2026-11-22T10:03:00Z`), in the timeline, the hidden
 * state, situation reports and every message. One formatter, so that every time the app shows has one shape. Pure.
 */

/** A time as RFC 3339 UTC to the second (`2026-11-22T10:03:00Z`). Throws a RangeError on an invalid time. */
export function formatRfc3339(time: Date | number): string {
  return new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** An ISO time (any offset, any fraction) as RFC 3339 UTC to the second. Throws a RangeError on an invalid time. */
export function rfc3339(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`not a valid time: ${JSON.stringify(iso)}`);
  return formatRfc3339(ms);
}
