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

function DetectorPicks(p: {
  detectors: readonly Detector[];
  all: boolean;
  selected: readonly string[];
  onAll: (all: boolean) => void;
  onSelected: (ids: string[]) => void;
}) {
  const ids = p.detectors.map((d) => d.id);
  return (
    <fieldset className="picks">
      <label className="field-check">
        <input type="checkbox" checked={p.all} onChange={(e) => p.onAll(e.target.checked)} /> Every detector
      </label>
      {p.all
        ? null
        : p.detectors.map((d) => (
            <label key={d.id} className="field-check">
              <input
                type="checkbox"
                checked={p.selected.includes(d.id)}
                onChange={() => p.onSelected(toggleId(p.selected, d.id, ids))}
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
  const [all, setAll] = useState(true);
  const [selected, setSelected] = useState<string[]>([]);
  const [secret, setSecret] = useState<{ hub: string; token: string } | null>(null);
  const { message, run } = useAction();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    return run(async () => {
      const { data: r } = await register({ variables: { name, detectorIds: assignment(all, selected) } });
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
        <DetectorPicks
          detectors={detectors}
          all={all}
          selected={selected}
          onAll={setAll}
          onSelected={setSelected}
        />
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
  const [all, setAll] = useState(hub.assignedDetectorIds === null);
  const [selected, setSelected] = useState<string[]>(hub.assignedDetectorIds ?? []);
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
      const { data } = await assign({ variables: { hubId: hub.id, detectorIds: assignment(all, selected) } });
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
      <DetectorPicks
        detectors={detectors}
        all={all}
        selected={selected}
        onAll={setAll}
        onSelected={setSelected}
      />
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
