/**
 * One detector: edit its settings, its escalations (threshold vs learned policy, and the policy fit), its recent
 * image queries with answers and sources, and its model versions with metrics, a chart across versions, and
 * rollback (re-publishing an earlier retired version).
 */
import { useMemo, useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { hrefFor } from '../../app/router';
import {
  DetectorDetailDocument,
  DetectorsDocument,
  PublishModelVersionDocument,
  UpdateDetectorDocument,
  type DetectorDetailQuery,
} from '../../gql/graphql';
import { Chip, type Tone } from '../../ui/Chip';
import { accuracyOf, escalationRateOf, numericMetrics } from '../../ui/chart';
import { bytes, percent, relativeTime, shortTime } from '../../ui/format';
import { LineChart } from '../../ui/LineChart';
import { EmptyState, ErrorState, Loading, describeError } from '../../ui/States';
import { Table } from '../../ui/Table';
import { useNow } from '../../ui/useNow';
import { resultText } from '../queue/answers';
import { verbText } from '../alerts/toasts';
import { DetectorForm } from './DetectorForm';
import { EscalationsPanel } from './EscalationsPanel';
import { RuleView } from './RuleView';
import { toUpdateInput, valuesFrom } from './detector-form';
import { fieldErrors } from './mutation-errors';

type Version = DetectorDetailQuery['modelVersions'][number];
type AlertRule = NonNullable<DetectorDetailQuery['detector']>['alertRules'][number];

export default function DetectorPage({ id }: { id: string }) {
  const { data, loading, error, refetch } = useQuery(DetectorDetailDocument, { variables: { id } });
  const [update] = useMutation(UpdateDetectorDocument);
  const all = useQuery(DetectorsDocument);
  const names = useMemo(() => new Map(all.data?.detectors.map((x) => [x.id, x.name]) ?? []), [all.data]);
  const now = useNow(10_000);

  if (loading && !data) return <Loading what="the detector" />;
  if (error && !data)
    return <ErrorState title="The detector did not load" error={error} onRetry={() => void refetch()} />;
  const d = data?.detector;
  if (!d) {
    return (
      <EmptyState title="No such detector">
        <p>
          It may have been deleted. Back to <a href={hrefFor({ page: 'detectors' })}>detectors</a>.
        </p>
      </EmptyState>
    );
  }
  const before = valuesFrom(d);
  const iqs = data.imageQueries.edges.map((e) => e.node);

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <a className="muted small" href={hrefFor({ page: 'detectors' })}>
            ← Detectors
          </a>
          <h1>{d.name}</h1>
          <p className="muted">
            {d.query} · <Chip>{d.mode}</Chip> · <span className="mono small">{d.id}</span>
          </p>
        </div>
        <a className="btn" href={hrefFor({ page: 'queue', detectorId: d.id })}>
          Review its queue
        </a>
      </div>
      <div className="detector-grid">
        <section aria-labelledby="settings-title">
          <h2 id="settings-title">Settings</h2>
          <DetectorForm
            // One form per detector: saving refreshes `d` (and `before`), not the fields being edited.
            key={d.id}
            initial={before}
            creating={false}
            submitLabel="Save changes"
            onSubmit={async (values) => {
              const input = toUpdateInput(before, values, d.metadata);
              if (Object.keys(input).length === 0) return { message: 'Nothing changed.' };
              try {
                const { data: res } = await update({ variables: { id: d.id, input } });
                const payload = res?.updateDetector;
                if (payload?.ok) return null;
                return {
                  message: payload?.error?.message ?? 'Not saved.',
                  fields: fieldErrors(payload?.error?.fields),
                };
              } catch (e) {
                return { message: describeError(e) };
              }
            }}
          />
        </section>
        <section aria-labelledby="models-title">
          <h2 id="models-title">Model versions</h2>
          <ModelVersions versions={data.modelVersions} onChanged={() => void refetch()} />
        </section>
      </div>
      <section aria-labelledby="escalations-title">
        <h2 id="escalations-title">Escalations</h2>
        <p className="muted small">
          The last 30 days at the edge, estimated from escalations and audits (each audit stands for 1/audit
          rate answers).
        </p>
        <EscalationsPanel
          stats={d.escalationStats}
          setting={d.escalationPolicy}
          versions={data.modelVersions}
        />
      </section>
      {d.rule ? (
        <section aria-labelledby="rule-title">
          <h2 id="rule-title">Rule</h2>
          <p className="muted small">A compound detector: YES when this holds for the same image.</p>
          <RuleView rule={d.rule} names={names} />
        </section>
      ) : null}
      <section aria-labelledby="alerts-title">
        <h2 id="alerts-title">Alert rules</h2>
        <AlertRules rules={d.alertRules} />
      </section>
      <section aria-labelledby="iq-title">
        <h2 id="iq-title">Recent image queries</h2>
        {iqs.length === 0 ? (
          <EmptyState title="No image queries yet">
            <p>
              Send one with the SDK or <code>POST /device-api/v1/image-queries?detector_id={d.id}</code> and
              it shows here.
            </p>
          </EmptyState>
        ) : (
          <ul className="iq-grid" data-testid="recent-iqs">
            {iqs.map((q) => (
              <li key={q.id} className="iq card">
                <a href={hrefFor({ page: 'imageQuery', id: q.id })} title="Open with its explanation">
                  <img src={q.imageUrl} alt="" loading="lazy" />
                </a>
                <div className="iq-body">
                  <strong>{resultText(q.result)}</strong>
                  <span className="chips">
                    <Chip tone={sourceTone(q.result?.source)}>{q.result?.source ?? 'PENDING'}</Chip>
                    <Chip label="conf">{percent(q.result?.confidence ?? null)}</Chip>
                    {q.result?.fromEdge ? <Chip tone="info">edge</Chip> : null}
                  </span>
                  <span className="muted small" title={shortTime(q.createdAt)}>
                    {relativeTime(q.createdAt, now)}
                  </span>
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function AlertRules({ rules }: { rules: readonly AlertRule[] }) {
  if (rules.length === 0) {
    return (
      <p className="muted small">
        None. Create them with <code>POST /device-api/v1/actions/detector/&lt;id&gt;/rules</code> or the SDK.
      </p>
    );
  }
  return (
    <Table testId="alert-rules" columns={['Name', 'Condition', 'Snooze', 'Delivers to', 'State']}>
      {rules.map((r) => (
        <tr key={r.id}>
          <td>{r.name}</td>
          <td>
            {verbText(r.verb)} <span className="mono">{JSON.stringify(r.parameters)}</span>
          </td>
          <td>{r.snoozeTimeEnabled ? `${r.snoozeTimeValue} ${r.snoozeTimeUnit.toLowerCase()}` : 'off'}</td>
          <td>{r.webhookActions.map((w) => w.url).join(', ') || '—'}</td>
          <td>
            <Chip tone={r.enabled ? 'good' : 'neutral'}>{r.enabled ? 'enabled' : 'disabled'}</Chip>
          </td>
        </tr>
      ))}
    </Table>
  );
}

function sourceTone(source: string | undefined): Tone {
  if (source === 'USER') return 'good';
  if (source === 'ALGORITHM' || source === 'EDGE') return 'info';
  if (!source || source === 'STILL_PROCESSING') return 'warn';
  return 'neutral';
}

function ModelVersions({ versions, onChanged }: { versions: Version[]; onChanged: () => void }) {
  const [publish, { loading }] = useMutation(PublishModelVersionDocument);
  const [message, setMessage] = useState<string | null>(null);
  const primary = useMemo(
    () => versions.filter((v) => v.kind === 'primary').sort((a, b) => a.number - b.number),
    [versions],
  );
  if (versions.length === 0) {
    return (
      <EmptyState title="No model versions yet">
        <p>The first model trains after a handful of labels per class. Label items in the review queue.</p>
      </EmptyState>
    );
  }
  const published = new Map(versions.filter((v) => v.state === 'PUBLISHED').map((v) => [v.kind, v.number]));
  const rollback = async (v: Version) => {
    setMessage(null);
    try {
      const { data } = await publish({ variables: { id: v.id } });
      if (data?.publishModelVersion.ok) {
        setMessage(`Rolled back ${v.kind} to version ${v.number}; edges serving this detector download it.`);
        onChanged();
      } else setMessage(data?.publishModelVersion.error?.message ?? 'Rollback failed.');
    } catch (e) {
      setMessage(describeError(e));
    }
  };
  return (
    <div className="card">
      <LineChart
        title="Primary model across versions"
        series={[
          {
            name: 'accuracy',
            className: 's-accuracy',
            points: primary.flatMap((v) => {
              const y = accuracyOf(v.metrics);
              return y === null ? [] : [{ x: v.number, y }];
            }),
          },
          {
            name: 'escalation rate',
            className: 's-escalation',
            points: primary.flatMap((v) => {
              const y = escalationRateOf(v.metrics);
              return y === null ? [] : [{ x: v.number, y }];
            }),
          },
        ]}
        yDomain={[0, 1]}
        formatY={(y) => percent(y)}
        formatX={(x) => `v${x}`}
      />
      <div className="table-wrap">
        <Table testId="versions-table" columns={['Version', 'State', 'Metrics', 'Size', '']}>
          {[...versions]
            .sort((a, b) => (a.kind === b.kind ? b.number - a.number : a.kind < b.kind ? 1 : -1))
            .map((v) => {
              const current = published.get(v.kind);
              const canRollback = v.state === 'RETIRED' && current !== undefined && v.number < current;
              return (
                <tr key={v.id}>
                  <td>
                    {v.kind} v{v.number}
                  </td>
                  <td>
                    <Chip
                      tone={v.state === 'PUBLISHED' ? 'good' : v.state === 'REJECTED' ? 'bad' : 'neutral'}
                    >
                      {v.state}
                    </Chip>
                  </td>
                  <td className="small">
                    {numericMetrics(v.metrics)
                      .slice(0, 4)
                      .map(([k, n]) => `${k} ${Number.isInteger(n) ? n : n.toFixed(3)}`)
                      .join(' · ') || '—'}
                  </td>
                  <td className="small">{bytes(v.sizeBytes)}</td>
                  <td>
                    {canRollback ? (
                      <button
                        type="button"
                        className="btn btn-small"
                        disabled={loading}
                        onClick={() => void rollback(v)}
                      >
                        Roll back to v{v.number}
                      </button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
        </Table>
      </div>
      {message ? (
        <p className="muted small" role="status">
          {message}
        </p>
      ) : null}
    </div>
  );
}
