/**
 * Cameras and their zones: every hub's camera streams (as their heartbeats report them) and, for one camera,
 * its latest frame where an admin draws named polygons for compound rules' `inside` leaves and saves them
 * (`setCameraZones`). The edge pulls them after its next heartbeat; a drawn zone overrides the edge-config
 * zone of its name, whose zones show dashed.
 */
import { useEffect, useMemo, useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { hrefFor } from '../../app/router';
import { CameraDocument, CamerasDocument, SetCameraZonesDocument, type CameraQuery } from '../../gql/graphql';
import { Chip } from '../../ui/Chip';
import { relativeTime, shortTime } from '../../ui/format';
import { EmptyState, ErrorState, Loading } from '../../ui/States';
import { ActionMessage, payloadProblem, useAction } from '../../ui/useAction';
import { useNow } from '../../ui/useNow';
import { ZoneCanvas } from './ZoneCanvas';
import {
  cancelDrawing,
  deleteZone,
  finishDrawing,
  fromApiZones,
  isDirty,
  problems,
  renameZone,
  selectZone,
  startDrawing,
  toZoneInputs,
  MIN_POINTS,
  type EditorState,
} from './zone-editor';

export default function CamerasPage({ id }: { id: string | null }) {
  const { data, loading, error, refetch } = useQuery(CamerasDocument, { pollInterval: 30_000 });
  const now = useNow(5_000);
  if (loading && !data) return <Loading what="the cameras" />;
  if (error && !data)
    return <ErrorState title="The cameras did not load" error={error} onRetry={() => void refetch()} />;
  const hubs = (data?.hubs ?? []).filter((h) => h.cameras.length > 0);
  return (
    <div className="page">
      <div className="page-head">
        <h1>Cameras</h1>
        <span className="muted">Draw zones on a camera's frame for compound rules (“inside a zone”).</span>
      </div>
      <div className="cameras-layout">
        <nav className="card cameras-list" aria-label="Cameras">
          {hubs.length === 0 ? (
            <p className="muted small">
              No camera reported yet. An edge lists the <code>streams</code> of its edge-config in its
              heartbeats.
            </p>
          ) : (
            hubs.map((h) => (
              <div key={h.id}>
                <h3>
                  {h.name} <Chip tone={h.online ? 'good' : 'bad'}>{h.online ? 'online' : 'offline'}</Chip>
                </h3>
                <ul className="served">
                  {h.cameras.map((c) => (
                    <li key={c.id} aria-current={c.id === id ? 'page' : undefined}>
                      <a href={hrefFor({ page: 'cameras', id: c.id })}>{c.name}</a>
                      <span className="muted small">frame {relativeTime(c.frameAt, now)}</span>
                    </li>
                  ))}
                </ul>
              </div>
            ))
          )}
        </nav>
        {id ? (
          <CameraEditor key={id} id={id} />
        ) : (
          <EmptyState title="Pick a camera">
            <p>Its latest frame opens here, with the zones drawn on it.</p>
          </EmptyState>
        )}
      </div>
    </div>
  );
}

type Camera = NonNullable<CameraQuery['camera']>;

function CameraEditor({ id }: { id: string }) {
  const { data, loading, error, refetch } = useQuery(CameraDocument, { variables: { id } });
  const camera = data?.camera ?? null;
  if (loading && !data) return <Loading what="the camera" />;
  if (error && !data)
    return <ErrorState title="The camera did not load" error={error} onRetry={() => void refetch()} />;
  if (!camera)
    return (
      <EmptyState title="No such camera">
        <p>It may belong to a hub you cannot see.</p>
      </EmptyState>
    );
  const names = new Map(data?.detectors.map((d) => [d.id, d.name]) ?? []);
  return <ZoneEditor camera={camera} detectorNames={names} />;
}

function ZoneEditor({ camera, detectorNames }: { camera: Camera; detectorNames: Map<string, string> }) {
  const saved = useMemo(() => fromApiZones(camera.zones), [camera.zones]);
  const [state, setState] = useState<EditorState>(saved);
  const [save] = useMutation(SetCameraZonesDocument);
  const { message, run } = useAction();
  const now = useNow(5_000);
  useEffect(() => setState(saved), [saved]);

  const local = useMemo(() => fromApiZones(camera.localZones).zones, [camera.localZones]);
  const drawnNames = new Set(state.zones.map((z) => z.name.trim()));
  const shownLocal = local.filter((z) => !drawnNames.has(z.name));
  const found = problems(state);
  const dirty = isDirty(state, saved);
  const aspect = camera.frameWidth && camera.frameHeight ? camera.frameWidth / camera.frameHeight : 16 / 9;

  const onSave = () =>
    run(async () => {
      const { data: r } = await save({ variables: { cameraId: camera.id, zones: toZoneInputs(state) } });
      return payloadProblem(r?.setCameraZones, 'The zones were not saved.');
    });

  return (
    <section className="card camera-editor" aria-label={`Zones of ${camera.name}`}>
      <header className="hub-head">
        <h2>{camera.name}</h2>
        <span className="muted small" title={shortTime(camera.frameAt)}>
          Frame {relativeTime(camera.frameAt, now)} · reported {relativeTime(camera.reportedAt, now)}
        </span>
      </header>
      <p className="muted small">
        Detectors: {camera.detectorIds.map((d) => detectorNames.get(d) ?? d).join(', ') || 'none'}
      </p>
      <div className="inline-form">
        {state.drawing ? (
          <>
            <button
              type="button"
              className="btn btn-primary"
              disabled={state.drawing.length < MIN_POINTS}
              onClick={() => setState(finishDrawing(state))}
            >
              Finish zone ({state.drawing.length} points)
            </button>
            <button type="button" className="btn btn-ghost" onClick={() => setState(cancelDrawing(state))}>
              Cancel
            </button>
            <span className="muted small">Click on the frame to add points.</span>
          </>
        ) : (
          <button type="button" className="btn" onClick={() => setState(startDrawing(state))}>
            New zone
          </button>
        )}
      </div>
      <ZoneCanvas
        frameUrl={camera.frameDataUrl ?? null}
        aspect={aspect}
        state={state}
        onChange={setState}
        localZones={shownLocal}
      />
      <h3>Zones drawn here</h3>
      {state.zones.length === 0 ? (
        <p className="muted small">None yet. The edge uses its edge-config zones alone.</p>
      ) : (
        <ul className="zone-list" data-testid="zone-list">
          {state.zones.map((z, i) => (
            <li key={i} className={i === state.selected ? 'zone-row zone-row-selected' : 'zone-row'}>
              <input
                aria-label={`Name of zone ${i + 1}`}
                value={z.name}
                onFocus={() => setState(selectZone(state, i))}
                onChange={(e) => setState(renameZone(state, i, e.target.value))}
              />
              <span className="muted small">
                {z.points.length} points
                {local.some((l) => l.name === z.name.trim()) ? ' · overrides the edge-config zone' : ''}
              </span>
              <button type="button" className="btn btn-small" onClick={() => setState(selectZone(state, i))}>
                Edit
              </button>
              <button
                type="button"
                className="btn btn-small btn-ghost"
                onClick={() => setState(deleteZone(state, i))}
              >
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      {local.length > 0 ? (
        <>
          <h3>Edge-config zones</h3>
          <p className="muted small">
            From the edge's own <code>streams.{camera.name}.zones</code> (dashed; edit them on the edge). A
            zone drawn here with the same name replaces it.
          </p>
          <ul className="served">
            {local.map((z) => (
              <li key={z.name}>
                {z.name}{' '}
                <span className="muted small">{drawnNames.has(z.name) ? 'overridden' : 'in use'}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {found.length > 0 ? (
        <ul className="field-error" role="alert">
          {found.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}
      <div className="form-actions">
        <button
          type="button"
          className="btn btn-primary"
          disabled={!dirty || found.length > 0 || state.drawing !== null}
          onClick={() => void onSave()}
        >
          Save zones
        </button>
        <button type="button" className="btn btn-ghost" disabled={!dirty} onClick={() => setState(saved)}>
          Revert
        </button>
        <ActionMessage message={message} />
        {camera.zonesUpdatedAt ? (
          <span className="muted small">
            Saved {relativeTime(camera.zonesUpdatedAt, now)}; the edge uses them from its next heartbeat.
          </span>
        ) : null}
      </div>
    </section>
  );
}
