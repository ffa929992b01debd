/**
 * The live alert notifications: which are on screen. Pure so the rules are table tests: an alert shows once
 * however often it is announced (a reconnect may replay), the newest on top, at most `MAX_TOASTS`; alerts
 * stay until dismissed (a person should not miss one while looking away) except that the oldest make room.
 */

export interface AlertToast {
  alertId: string;
  ruleName: string;
  detectorName: string;
  verb: string;
  imageQueryId: string | null;
  label: string | null;
  confidence: number | null;
  firedAt: string;
  source: string | null;
  message: string;
}

export const MAX_TOASTS = 4;

export function addToast(
  shown: readonly AlertToast[],
  seen: ReadonlySet<string>,
  alert: AlertToast,
): { shown: AlertToast[]; seen: Set<string> } {
  if (seen.has(alert.alertId)) return { shown: [...shown], seen: new Set(seen) };
  return { shown: [alert, ...shown].slice(0, MAX_TOASTS), seen: new Set(seen).add(alert.alertId) };
}

export function dismissToast(shown: readonly AlertToast[], alertId: string): AlertToast[] {
  return shown.filter((t) => t.alertId !== alertId);
}

/** A rule's verb (`ANSWERED_CONSECUTIVELY`) as the words of its condition. */
export function verbText(verb: string): string {
  switch (verb) {
    case 'ANSWERED_CONSECUTIVELY':
      return 'answered consecutively';
    case 'ANSWERED_WITHIN_TIME':
      return 'answered within the time';
    case 'CHANGED_TO':
      return 'changed to';
    case 'NO_CHANGE':
      return 'no change';
    case 'NO_QUERIES':
      return 'no queries';
    default:
      return verb.replace(/_/g, ' ').toLowerCase();
  }
}
