/**
 * The fleet: each hub with its last heartbeat, the detectors and model versions it serves, and escalation
 * rate / latency charts built from its heartbeats as they arrive live (`hubStatusChanged`).
 */
import { useMemo, useState } from 'react';
import { useQuery, useSubscription } from '@apollo/client/react';
import { hrefFor } from '../../app/router';
import { FleetDocument, HubStatusChangedDocument, type FleetQuery } from '../../gql/graphql';
import { Chip } from '../../ui/Chip';
import { percent, relativeTime, shortTime } from '../../ui/format';
import { EmptyState, ErrorState, Loading } from '../../ui/States';
import { useNow } from '../../ui/useNow';
import {
  addSample,
  asCounters,
  escalationRate,
  latencyMs,
  latencyPoints,
  ratePoints,
  type Sample,
} from './fleet-metrics';
import { Stat } from './Stat';

type Hub = FleetQuery['hubs'][number];

export default function FleetPage() {
  const { data, loading, error, refetch } = useQuery(FleetDocument, { pollInterval: 30_000 });
  const now = useNow(5_000);
  const [live, setLive] = useState<ReadonlyMap<string, Partial<Hub> & { id: string }>>(new Map());
  const [history, setHistory] = useState<ReadonlyMap<string, Sample[]>>(new Map());

  useSubscription(HubStatusChangedDocument, {
    onData: ({ data: event }) => {
      const e = event.data?.hubStatusChanged;
      if (!e) return;
      setLive((prev) =>
        new Map(prev).set(e.hubId, {
          id: e.hubId,
          name: e.name,
          online: e.online,
          lastHeartbeatAt: e.lastHeartbeatAt,
          counters: e.counters,
          servedDetectors: e.servedDetectors,
        }),
      );
      if (e.lastHeartbeatAt) {
        const sample = { at: Date.parse(e.lastHeartbeatAt), counters: asCounters(e.counters) };
        setHistory((prev) => new Map(prev).set(e.hubId, addSample(prev.get(e.hubId) ?? [], sample)));
      }
    },
  });

  const hubs = useMemo(() => {
    const base = data?.hubs ?? [];
    const merged = base.map((h) => ({ ...h, ...live.get(h.id) }));
    for (const [id, h] of live) {
      if (!base.some((b) => b.id === id) && h.name) {
        merged.push({
          createdAt: h.lastHeartbeatAt ?? '',
          online: true,
          lastHeartbeatAt: null,
          counters: {},
          servedDetectors: [],
          latencySamples: [],
          // The live event does not carry them; the next load of the page does.
          deadLetters: { count: 0, items: [] },
          assignedDetectorIds: null,
          name: h.name,
          ...h,
        });
      }
    }
    return merged.sort((a, b) => a.name.localeCompare(b.name));
  }, [data, live]);

  const detectorNames = useMemo(() => new Map(data?.detectors.map((d) => [d.id, d.name]) ?? []), [data]);

  if (loading && !data) return <Loading what="the fleet" />;
  if (error && !data)
    return <ErrorState title="The fleet did not load" error={error} onRetry={() => void refetch()} />;

  const online = hubs.filter((h) => h.online).length;
  return (
    <div className="page">
      <div className="page-head">
        <h1>Fleet</h1>
        <span className="muted">
          {online} of {hubs.length} hubs online
        </span>
        <a href={hrefFor({ page: 'cameras', id: null })}>Cameras and zones</a>
      </div>
      {hubs.length === 0 ? (
        <EmptyState title="No hubs registered">
          <p>
            Register an edge with the GraphQL mutation <code>registerHub(name)</code> and give the edge its
            token (<code>EDGE_TOKEN</code>). Hubs appear here as soon as they send a heartbeat.
          </p>
        </EmptyState>
      ) : (
        <div className="hub-grid" data-testid="hubs">
          {hubs.map((h) => {
            const counters = asCounters(h.counters);
            const samples = addSample(history.get(h.id) ?? [], {
              at: h.lastHeartbeatAt ? Date.parse(h.lastHeartbeatAt) : 0,
              counters,
            }).filter((s) => s.at > 0);
            const points = ratePoints(samples);
            const latency = latencyPoints(h.latencySamples, points);
            const lastLatency =
              latency.findLast((p) => p.latencyMs !== null)?.latencyMs ?? latencyMs(counters);
            return (
              <article key={h.id} className="card hub">
                <header className="hub-head">
                  <h2>{h.name}</h2>
                  <Chip tone={h.online ? 'good' : 'bad'}>{h.online ? 'online' : 'offline'}</Chip>
                </header>
                <p className="muted small" title={shortTime(h.lastHeartbeatAt)}>
                  Last heartbeat {relativeTime(h.lastHeartbeatAt, now)}
                </p>
                <p className="muted small" data-testid="hub-scope">
                  {h.assignedDetectorIds
                    ? `Limited to ${h.assignedDetectorIds.map((id) => detectorNames.get(id) ?? id).join(', ') || 'no detectors'}`
                    : 'Sees every detector (no assignment)'}
                </p>
                <div className="chips">
                  <Chip label="Escalation rate">{percent(escalationRate(counters), 1)}</Chip>
                  <Chip label="Latency">{lastLatency == null ? '—' : `${Math.round(lastLatency)} ms`}</Chip>
                </div>
                <h3>
                  Dead letters{' '}
                  <Chip tone={h.deadLetters.count > 0 ? 'bad' : 'neutral'}>
                    <span data-testid="dead-letter-count">{h.deadLetters.count}</span>
                  </Chip>
                </h3>
                {h.deadLetters.count === 0 ? (
                  <p className="muted small">No escalation set aside.</p>
                ) : (
                  <>
                    <p className="muted small">
                      Escalations the edge set aside after its retries (newest first; retry or discard them on
                      the edge).
                    </p>
                    <ul className="served" data-testid="dead-letters">
                      {h.deadLetters.items.map((d) => (
                        <li key={d.id}>
                          <span className="mono small">{d.id}</span>
                          <span className="muted small">
                            {detectorNames.get(d.detectorId) ?? d.detectorId} · {d.cause} ·{' '}
                            {relativeTime(d.since, now)}
                          </span>
                        </li>
                      ))}
                    </ul>
                  </>
                )}
                <h3>Serves</h3>
                {h.servedDetectors.length === 0 ? (
                  <p className="muted small">No detectors reported yet.</p>
                ) : (
                  <ul className="served">
                    {h.servedDetectors.map((s) => (
                      <li key={s.detectorId}>
                        <a href={hrefFor({ page: 'detector', id: s.detectorId })}>
                          {detectorNames.get(s.detectorId) ?? s.detectorId}
                        </a>
                        <span className="muted small">
                          primary {s.primaryVersion === null ? '—' : `v${s.primaryVersion}`} · OODD{' '}
                          {s.ooddVersion === null ? '—' : `v${s.ooddVersion}`}
                        </span>
                      </li>
                    ))}
                  </ul>
                )}
                <div className="hub-charts">
                  <Stat chart="escalation" points={points} />
                  <Stat chart="latency" points={latency} />
                </div>
              </article>
            );
          })}
        </div>
      )}
    </div>
  );
}
