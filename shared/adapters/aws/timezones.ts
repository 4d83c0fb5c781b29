/**
 * The time zone check of scheduled actions (PutScheduledAction `Timezone`). Application Auto
 * Scaling takes IANA names (it reads them with Joda-Time, AWS-FACTS 3.5); Node's ICU holds the same
 * database, links such as "US/Pacific" included. Joda's names are case-sensitive while ICU
 * accepts "europe/paris", so a name that ICU only knows in another case is refused with the
 * right spelling as a suggestion (every segment of a database name starts with a capital).
 */
import type { TimezoneCheck } from '../../core/request';

/**
 * @example isIanaTimezone('Europe/Paris') // { known: true }
 * @example isIanaTimezone('europe/paris') // { known: false, suggestion: 'Europe/Paris' }
 */
export const isIanaTimezone: TimezoneCheck = (name) => {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name)) return { known: false };
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return { known: false };
  }
  // Every segment of a database name starts with a capital ("America/Port-au-Prince", "Etc/GMT+5").
  if (name.split('/').every((segment) => /^[A-Z]/.test(segment))) return { known: true };
  return { known: false, suggestion: resolved };
};
