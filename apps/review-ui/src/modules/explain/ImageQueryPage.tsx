/**
 * One image query with its explanation (`#/image-queries/<id>`): the image with the evidence heat map over
 * it (`E` or the button), the reason chain and the nearest labelled examples beside it. Opened from a
 * neighbour thumbnail or a detector's recent image queries.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useQuery } from '@apollo/client/react';
import { hrefFor } from '../../app/router';
import { ImageQueryDetailDocument } from '../../gql/graphql';
import { Chip } from '../../ui/Chip';
import { percent, shortTime } from '../../ui/format';
import { EmptyState, ErrorState, Loading } from '../../ui/States';
import { modelBoxes, resultText } from '../queue/answers';
import { ImageViewer, type ImageViewerHandle } from '../queue/ImageViewer';
import { resolveKey } from '../queue/keyboard';
import { EvidenceLegend } from './EvidenceLegend';
import { EvidenceOverlay } from './EvidenceOverlay';
import { ExplanationSide } from './ExplanationSide';
import { evidenceToShow } from './evidence';
import { WhyItCame } from './ReasonChain';
import { wasEscalated, whyItCame } from './reasons';
import { useEvidenceToggle } from './useEvidenceToggle';

export default function ImageQueryPage({ id }: { id: string }) {
  const { data, loading, error, refetch } = useQuery(ImageQueryDetailDocument, { variables: { id } });
  const [shown, toggle] = useEvidenceToggle();
  const viewer = useRef<ImageViewerHandle>(null);
  const iq = data?.imageQuery;
  const explanation = iq?.explanation ?? null;
  const [mapStep, setMapStep] = useState<number | null>(null);
  const grid = useMemo(
    () => evidenceToShow(explanation?.evidence, explanation?.steps, mapStep),
    [explanation, mapStep],
  );
  const boxes = useMemo(() => modelBoxes(explanation?.rois ?? iq?.rois), [explanation, iq]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const action = resolveKey(
        { key: e.key, ctrlKey: e.ctrlKey, metaKey: e.metaKey, altKey: e.altKey },
        // Nothing is labelled here: only the view keys act.
        { mode: 'TEXT', classes: [], countBuffer: '', helpOpen: false },
      );
      if (action.type === 'toggleEvidence') toggle();
      else if (action.type === 'zoomIn') viewer.current?.zoom(1.25);
      else if (action.type === 'zoomOut') viewer.current?.zoom(0.8);
      else if (action.type === 'zoomReset') viewer.current?.reset();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [toggle]);

  if (loading && !data) return <Loading what="the image query" />;
  if (error && !data)
    return <ErrorState title="The image query did not load" error={error} onRetry={() => void refetch()} />;
  if (!iq) {
    return (
      <EmptyState title="No such image query">
        <p>
          It may have been deleted, or it belongs to a detector you cannot see. Back to the{' '}
          <a href={hrefFor({ page: 'queue', detectorId: null })}>review queue</a>.
        </p>
      </EmptyState>
    );
  }
  const escalated = wasEscalated(explanation?.steps);

  return (
    <div className="iq-page" data-testid="iq-page" data-id={iq.id}>
      <div className="detail-head">
        <h1 className="question">{iq.query}</h1>
        <div className="chips">
          <Chip label="Detector">{iq.detector?.name ?? iq.detectorId}</Chip>
          <Chip label="Answer" tone="info">
            {resultText(iq.result)}
          </Chip>
          <Chip label="Source">{iq.result?.source ?? 'PENDING'}</Chip>
          <Chip label="Confidence">{percent(iq.result?.confidence ?? null)}</Chip>
          <Chip label="Asked">{shortTime(iq.createdAt)}</Chip>
          <span className="mono small muted">{iq.id}</span>
        </div>
      </div>
      {escalated ? <WhyItCame lines={whyItCame(explanation?.steps, null)} /> : null}
      <div className="explained">
        <div className="explained-image">
          <ImageViewer
            ref={viewer}
            src={iq.imageUrl}
            alt={iq.query}
            drawBoxes={false}
            boxes={boxes}
            onAddBox={() => undefined}
            overlay={
              grid && shown
                ? (size) => <EvidenceOverlay grid={grid} width={size.w} height={size.h} />
                : undefined
            }
          />
          <EvidenceLegend grid={grid} shown={shown} onToggle={toggle} />
        </div>
        <ExplanationSide explanation={explanation} mapStep={mapStep} onMapStep={setMapStep} />
      </div>
    </div>
  );
}
