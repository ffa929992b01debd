/**
 * Live alert notifications (`alertFired`): a toast per firing of an alert rule, for everyone signed in,
 * with the rule, the detector, the answer and a link to the image query that fired it.
 */
import { useState } from 'react';
import { useSubscription } from '@apollo/client/react';
import { hrefFor } from '../../app/router';
import { AlertFiredDocument } from '../../gql/graphql';
import { percent, shortTime } from '../../ui/format';
import { addToast, dismissToast, verbText, type AlertToast } from './toasts';

export function AlertToasts() {
  const [state, setState] = useState<{ shown: AlertToast[]; seen: Set<string> }>({
    shown: [],
    seen: new Set(),
  });
  useSubscription(AlertFiredDocument, {
    onData: ({ data }) => {
      const a = data.data?.alertFired;
      if (a) setState((s) => addToast(s.shown, s.seen, a));
    },
  });
  if (state.shown.length === 0) return null;
  return (
    <div className="toasts" role="region" aria-label="Alerts" aria-live="assertive">
      {state.shown.map((t) => (
        <div key={t.alertId} className="toast" role="alert" data-testid="alert-toast" data-id={t.alertId}>
          <div className="toast-head">
            <strong>{t.ruleName}</strong>
            <button
              type="button"
              className="link"
              aria-label="Dismiss alert"
              onClick={() => setState((s) => ({ ...s, shown: dismissToast(s.shown, t.alertId) }))}
            >
              ×
            </button>
          </div>
          <span className="toast-message">{t.message}</span>
          <span className="small muted">
            {t.detectorName} · {verbText(t.verb)}
            {t.label ? ` ${t.label}` : ''}
            {t.confidence !== null ? ` (${percent(t.confidence)})` : ''} · {shortTime(t.firedAt)}
            {t.source ? ` · ${t.source}` : ''}
          </span>
          {t.imageQueryId ? (
            <a className="small" href={hrefFor({ page: 'imageQuery', id: t.imageQueryId })}>
              Open the image
            </a>
          ) : null}
        </div>
      ))}
    </div>
  );
}
