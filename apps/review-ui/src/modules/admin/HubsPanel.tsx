/** Hubs: register one (its token shown once), rotate its token, and assign the detectors it may use. */
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import {
  AdminHubsDocument,
  AdminRegisterHubDocument,
  AdminRotateHubTokenDocument,
  AdminSetHubDetectorsDocument,
  type AdminHubsQuery,
} from '../../gql/graphql';
import { Chip } from '../../ui/Chip';
import { relativeTime } from '../../ui/format';
import { ErrorState, Loading } from '../../ui/States';
import { ActionMessage, payloadProblem, useAction } from '../../ui/useAction';
import { useNow } from '../../ui/useNow';
import { assignment, toggleId } from './admin-logic';
import { SecretOnce } from './SecretOnce';

type Detector = AdminHubsQuery['detectors'][number];

/** Which detectors a hub may use: every one (null), or the ticked ones. */
function useDetectorPicks(assigned: readonly string[] | null) {
  const [all, setAll] = useState(assigned === null);
  const [selected, setSelected] = useState<readonly string[]>(assigned ?? []);
  return { all, setAll, selected, setSelected, detectorIds: () => assignment(all, selected) };
}
type DetectorPicksState = ReturnType<typeof useDetectorPicks>;

function DetectorPicks({ detectors, picks }: { detectors: readonly Detector[]; picks: DetectorPicksState }) {
  const ids = detectors.map((d) => d.id);
  return (
    <fieldset className="picks">
      <label className="field-check">
        <input type="checkbox" checked={picks.all} onChange={(e) => picks.setAll(e.target.checked)} /> Every
        detector
      </label>
      {picks.all
        ? null
        : detectors.map((d) => (
            <label key={d.id} className="field-check">
              <input
                type="checkbox"
                checked={picks.selected.includes(d.id)}
                onChange={() => picks.setSelected(toggleId(picks.selected, d.id, ids))}
              />{' '}
              {d.name}
            </label>
          ))}
    </fieldset>
  );
}

export function HubsPanel() {
  const { data, loading, error, refetch } = useQuery(AdminHubsDocument);
  const [register] = useMutation(AdminRegisterHubDocument);
  const [name, setName] = useState('');
  const picks = useDetectorPicks(null);
  const [secret, setSecret] = useState<{ hub: string; token: string } | null>(null);
  const { message, run } = useAction();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    return run(async () => {
      const { data: r } = await register({ variables: { name, detectorIds: picks.detectorIds() } });
      const p = r?.registerHub;
      if (!p?.ok || !p.token) return p?.error?.message ?? 'The hub was not registered.';
      setSecret({ hub: p.hub?.name ?? name, token: p.token });
      setName('');
      await refetch();
      return null;
    });
  };

  if (loading && !data) return <Loading what="hubs" />;
  if (error && !data)
    return <ErrorState title="Hubs did not load" error={error} onRetry={() => void refetch()} />;
  const detectors = data?.detectors ?? [];
  return (
    <>
      {secret ? (
        <SecretOnce
          what={`token of ${secret.hub} (EDGE_TOKEN)`}
          secret={secret.token}
          onDone={() => setSecret(null)}
        />
      ) : null}
      <form className="card" onSubmit={(e) => void submit(e)} aria-label="Register a hub">
        <div className="inline-form">
          <input
            aria-label="Hub name"
            placeholder="hub name (e.g. line-4-edge)"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          <button type="submit" className="btn btn-primary" disabled={!name.trim()}>
            Register hub
          </button>
          <ActionMessage message={message} />
        </div>
        <DetectorPicks detectors={detectors} picks={picks} />
      </form>
      <div className="hub-grid" data-testid="admin-hubs">
        {(data?.hubs ?? []).map((h) => (
          <HubCard
            key={h.id}
            hub={h}
            detectors={detectors}
            onSecret={(token) => setSecret({ hub: h.name, token })}
          />
        ))}
      </div>
    </>
  );
}

function HubCard({
  hub,
  detectors,
  onSecret,
}: {
  hub: AdminHubsQuery['hubs'][number];
  detectors: readonly Detector[];
  onSecret: (token: string) => void;
}) {
  const [rotate] = useMutation(AdminRotateHubTokenDocument);
  const [assign] = useMutation(AdminSetHubDetectorsDocument);
  const picks = useDetectorPicks(hub.assignedDetectorIds);
  const { message, run } = useAction();
  const now = useNow(10_000);

  const doRotate = () =>
    run(async () => {
      const { data } = await rotate({ variables: { hubId: hub.id } });
      const p = data?.rotateHubToken;
      if (!p?.ok || !p.token) return p?.error?.message ?? 'Not rotated.';
      onSecret(p.token);
      return null;
    });
  const doAssign = () =>
    run(async () => {
      const { data } = await assign({ variables: { hubId: hub.id, detectorIds: picks.detectorIds() } });
      return payloadProblem(data?.setHubDetectors, 'Not saved.') ?? 'Saved.';
    });
  return (
    <article className="card hub" data-testid={`admin-hub-${hub.name}`}>
      <header className="hub-head">
        <h2>{hub.name}</h2>
        <Chip tone={hub.online ? 'good' : 'bad'}>{hub.online ? 'online' : 'offline'}</Chip>
      </header>
      <p className="muted small">
        Token <span className="mono">{hub.tokenSnippet}…</span> · last heartbeat{' '}
        {relativeTime(hub.lastHeartbeatAt, now)}
      </p>
      <h3>Detectors</h3>
      <DetectorPicks detectors={detectors} picks={picks} />
      <div className="form-actions">
        <button type="button" className="btn btn-small btn-primary" onClick={() => void doAssign()}>
          Save detectors
        </button>
        <button type="button" className="btn btn-small" onClick={() => void doRotate()}>
          Rotate token
        </button>
        <ActionMessage message={message} tone="note" />
      </div>
    </article>
  );
}
