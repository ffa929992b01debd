/**
 * The review queue: detectors with open counts, the open items by patience deadline, and the current item
 * large with its context as chips. Keyboard first (see keyboard.ts); the item shown is claimed for this
 * reviewer (useLease) so two reviewers never label the same image.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useApolloClient, useQuery, useSubscription } from '@apollo/client/react';
import { hrefFor } from '../../app/router';
import {
  ClaimEscalationDocument,
  DetectorsDocument,
  ImageQueryUpdatedDocument,
  LabelImageQueryDocument,
  SkipEscalationDocument,
  type QueueItemFragment,
  type RoiInput,
} from '../../gql/graphql';
import { Chip, type Tone } from '../../ui/Chip';
import { percent } from '../../ui/format';
import { EmptyState, ErrorState, Loading, describeError } from '../../ui/States';
import { useNow } from '../../ui/useNow';
import { useSession } from '../auth/useAuth';
import { EvidenceLegend } from '../explain/EvidenceLegend';
import { EvidenceOverlay } from '../explain/EvidenceOverlay';
import { ExplanationSide } from '../explain/ExplanationSide';
import { evidenceToShow } from '../explain/evidence';
import { WhyItCame } from '../explain/ReasonChain';
import { whyItCame } from '../explain/reasons';
import { useEvidenceToggle } from '../explain/useEvidenceToggle';
import {
  classNames,
  maxCount,
  modelBoxes,
  objectClass,
  readEdgeResult,
  recognisedText,
  resultText,
  suggestedCount,
  type ReviewBox,
} from './answers';
import { roundBox } from './geometry';
import { HelpOverlay } from './HelpOverlay';
import { ImageViewer, type ImageViewerHandle } from './ImageViewer';
import { resolveKey, type LabelMode } from './keyboard';
import { LabelPanel } from './LabelPanel';
import { countsByDetector, describeDeadline, formatDuration, stepIndex } from './ordering';
import { useLease, type Lease } from './useLease';
import { useReviewQueue } from './useReviewQueue';

type Notice = { tone: Tone; text: string } | null;

/** At most this long an item whose claim was refused stays out of this reviewer's way (ms). */
const UNAVAILABLE_MS = 15_000;

export function QueuePage({ detectorId }: { detectorId: string | null }) {
  const { me, token } = useSession();
  const client = useApolloClient();
  const queue = useReviewQueue();
  const detectors = useQuery(DetectorsDocument);
  const now = useNow(1000);

  const [currentId, setCurrentId] = useState<string | null>(null);
  const [unavailable, setUnavailable] = useState<ReadonlyMap<string, number>>(new Map());
  const [selection, setSelection] = useState<ReadonlySet<string>>(new Set());
  const [helpOpen, setHelpOpen] = useState(false);
  const [countBuffer, setCountBuffer] = useState('');
  const [boxes, setBoxes] = useState<ReviewBox[]>([]);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<Notice>(null);
  const lastIndex = useRef(0);
  const viewer = useRef<ImageViewerHandle>(null);
  const [evidenceShown, toggleEvidence] = useEvidenceToggle();

  const detectorNames = useMemo(
    () => new Map(detectors.data?.detectors.map((d) => [d.id, d.name]) ?? []),
    [detectors.data],
  );
  const counts = useMemo(() => countsByDetector(queue.items), [queue.items]);
  const visible = useMemo(
    () => (detectorId ? queue.items.filter((i) => i.detectorId === detectorId) : queue.items),
    [queue.items, detectorId],
  );

  const heldByOther = useCallback(
    (i: QueueItemFragment): boolean => {
      // A refused claim keeps the item out of the way until a newer server list says who holds it.
      const markedAt = unavailable.get(i.id);
      if (markedAt !== undefined && markedAt + UNAVAILABLE_MS > now && markedAt > queue.receivedAt - 1000)
        return true;
      return (
        i.state === 'CLAIMED' &&
        i.claimedBy !== me.id &&
        i.claimExpiresAt !== null &&
        Date.parse(i.claimExpiresAt) > now
      );
    },
    [unavailable, now, me.id, queue.receivedAt],
  );

  // The item shown: the chosen one while it is open, else the first free one from where the last one was.
  const current = useMemo(() => {
    const chosen = visible.find((i) => i.id === currentId);
    if (chosen && !heldByOther(chosen)) return chosen;
    const from = Math.min(lastIndex.current, Math.max(visible.length - 1, 0));
    return visible.slice(from).find((i) => !heldByOther(i)) ?? visible.find((i) => !heldByOther(i)) ?? null;
  }, [visible, currentId, heldByOther]);
  const currentIndex = current ? visible.indexOf(current) : -1;
  if (currentIndex >= 0) lastIndex.current = currentIndex;

  useEffect(() => {
    if ((current?.id ?? null) !== currentId) setCurrentId(current?.id ?? null);
  }, [current, currentId]);

  // Confirmations fade; warnings and errors stay until dismissed.
  useEffect(() => {
    if (!notice || notice.tone === 'bad' || notice.tone === 'warn') return;
    const t = window.setTimeout(() => setNotice(null), 4000);
    return () => window.clearTimeout(t);
  }, [notice]);

  // Answers typed for one item never carry over to the next; the model's boxes are the starting point.
  const currentRois = current?.imageQuery?.rois;
  useEffect(() => {
    setCountBuffer('');
    setBoxes(modelBoxes(currentRois));
    // Only a new item resets the boxes: a queue refresh of the same item keeps the reviewer's edits.
  }, [current?.id]);

  const { lease, forget } = useLease(current?.id ?? null, token, {
    onLost: (id, code) => {
      setUnavailable((prev) => new Map(prev).set(id, Date.now()));
      setNotice({
        tone: 'warn',
        text:
          code === 'ESCALATION_CLAIMED'
            ? 'Another reviewer is on that item; here is the next one.'
            : 'That item is no longer open; here is the next one.',
      });
      if (code !== 'ESCALATION_CLAIMED') queue.markDone([id]);
    },
    onClaimed: (esc) =>
      queue.patch({
        id: esc.id,
        state: esc.state,
        claimedBy: esc.claimedBy,
        claimExpiresAt: esc.claimExpiresAt,
      }),
  });

  // The image shown got an answer from somewhere else (an admin overriding the claim, the cloud's model):
  // it leaves this queue at once instead of waiting for the next refresh.
  const answeredHere = useRef(new Set<string>());
  useSubscription(ImageQueryUpdatedDocument, {
    variables: { id: current?.imageQueryId ?? '' },
    skip: !current,
    onData: ({ data: event }) => {
      const e = event.data?.imageQueryUpdated;
      if (!e?.doneProcessing || answeredHere.current.has(e.imageQueryId)) return;
      const item = queue.items.find((i) => i.imageQueryId === e.imageQueryId);
      if (!item) return;
      forget(item.id);
      queue.markDone([item.id]);
      setNotice({
        tone: 'warn',
        text: `That image was answered elsewhere (${e.result?.source ?? 'cloud'}: ${resultText(e.result)}); here is the next one.`,
      });
    },
  });

  const mode: LabelMode = current?.detector?.mode ?? 'BINARY';
  const explanation = current?.imageQuery?.explanation ?? null;
  // A step's own map is chosen per item: the next item starts from its answer's map.
  const [mapStepOf, setMapStepOf] = useState<{ itemId: string; index: number | null } | null>(null);
  const mapStep = mapStepOf && mapStepOf.itemId === current?.id ? mapStepOf.index : null;
  const evidence = useMemo(
    () => evidenceToShow(explanation?.evidence, explanation?.steps, mapStep),
    [explanation, mapStep],
  );
  const classes = useMemo(() => classNames(current?.detector?.modeConfiguration), [current]);

  /** Labels `targets` (claiming each one that is not the current item first); returns how many were saved. */
  const labelItems = useCallback(
    async (targets: QueueItemFragment[], label: string, rois?: RoiInput[]): Promise<number> => {
      setBusy(true);
      setNotice(null);
      const failures: string[] = [];
      const doneIds: string[] = [];
      for (const t of targets) {
        try {
          if (t.id !== current?.id) {
            const { data } = await client.mutate({
              mutation: ClaimEscalationDocument,
              variables: { id: t.id },
            });
            if (!data?.claimEscalation.ok) {
              failures.push(data?.claimEscalation.error?.message ?? 'could not claim');
              continue;
            }
          }
          answeredHere.current.add(t.imageQueryId);
          const { data } = await client.mutate({
            mutation: LabelImageQueryDocument,
            variables: { input: { imageQueryId: t.imageQueryId, label, rois: rois ?? null } },
          });
          const payload = data?.labelImageQuery;
          if (payload?.ok) {
            forget(t.id);
            doneIds.push(t.id);
          } else {
            failures.push(payload?.error?.message ?? 'the label was not saved');
          }
        } catch (e) {
          failures.push(describeError(e));
        }
      }
      queue.markDone(doneIds);
      setSelection((prev) => new Set([...prev].filter((id) => !doneIds.includes(id))));
      setBusy(false);
      if (failures.length) {
        setNotice({ tone: 'bad', text: `${failures.length} not saved: ${failures[0]}` });
      } else {
        setNotice({
          tone: 'good',
          text: targets.length > 1 ? `Labelled ${doneIds.length} items ${label}.` : `Labelled ${label}.`,
        });
      }
      return doneIds.length;
    },
    [client, current?.id, forget, queue],
  );

  const skipItems = useCallback(
    async (targets: QueueItemFragment[]) => {
      setBusy(true);
      const doneIds: string[] = [];
      let failure: string | null = null;
      for (const t of targets) {
        try {
          const { data } = await client.mutate({ mutation: SkipEscalationDocument, variables: { id: t.id } });
          if (data?.skipEscalation.ok) {
            forget(t.id);
            doneIds.push(t.id);
          } else failure = data?.skipEscalation.error?.message ?? 'not skipped';
        } catch (e) {
          failure = describeError(e);
        }
      }
      queue.markDone(doneIds);
      setSelection(new Set());
      setBusy(false);
      setNotice(
        failure ? { tone: 'bad', text: failure } : { tone: 'info', text: `Skipped ${doneIds.length}.` },
      );
    },
    [client, forget, queue],
  );

  const selectedItems = useMemo(() => visible.filter((i) => selection.has(i.id)), [visible, selection]);

  const applyLabel = useCallback(
    (label: string) => {
      if (busy) return;
      if (selectedItems.length > 0) {
        const modes = new Set(selectedItems.map((i) => i.detectorId));
        if (modes.size > 1) {
          setNotice({ tone: 'warn', text: 'Select items of one detector to label them together.' });
          return;
        }
        void labelItems(selectedItems, label);
      } else if (current) {
        void labelItems([current], label);
      }
    },
    [busy, selectedItems, current, labelItems],
  );

  const submitBoxes = useCallback(() => {
    if (!current || busy) return;
    if (boxes.length === 0) {
      void labelItems([current], 'NO_OBJECTS', []);
      return;
    }
    // A reviewer's answer is the truth: every box it keeps, the model's included, goes with score 1.
    const rois = boxes.map((b) => ({ label: b.label, score: 1, ...roundBox(b) }));
    void labelItems([current], 'BOUNDING_BOX', rois);
  }, [current, busy, boxes, labelItems]);

  const suggested =
    mode === 'COUNT' ? suggestedCount(current?.imageQuery?.result?.count, boxes.length) : null;

  const move = useCallback(
    (delta: number) => {
      if (visible.length === 0) return;
      let i = currentIndex < 0 ? 0 : currentIndex;
      for (let n = 0; n < visible.length; n++) {
        const next = stepIndex(i, delta, visible.length);
        if (next === i) return;
        i = next;
        const item = visible[i];
        if (item && !heldByOther(item)) {
          setCurrentId(item.id);
          return;
        }
      }
    },
    [visible, currentIndex, heldByOther],
  );

  // Keyboard: one listener for the page.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      const inEditable =
        !!target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
      const action = resolveKey(
        { key: e.key, ctrlKey: e.ctrlKey, metaKey: e.metaKey, altKey: e.altKey, inEditable },
        {
          mode,
          classes,
          countBuffer,
          helpOpen,
          maxCount: maxCount(current?.detector?.modeConfiguration),
          suggestedCount: suggested,
        },
      );
      if (action.type === 'none') return;
      e.preventDefault();
      switch (action.type) {
        case 'label':
          applyLabel(action.label);
          break;
        case 'count':
          if (current && !busy) void labelItems([current], String(action.count));
          break;
        case 'countBuffer':
          setCountBuffer(action.buffer);
          break;
        case 'submitBoxes':
          submitBoxes();
          break;
        case 'removeLastBox':
          setBoxes((b) => b.slice(0, -1));
          break;
        case 'skip':
          if (!busy) void skipItems(selectedItems.length ? selectedItems : current ? [current] : []);
          break;
        case 'next':
          move(1);
          break;
        case 'prev':
          move(-1);
          break;
        case 'toggleSelect':
          if (current) {
            setSelection((prev) => {
              const next = new Set(prev);
              if (next.has(current.id)) next.delete(current.id);
              else next.add(current.id);
              return next;
            });
          }
          break;
        case 'selectAll':
          setSelection(new Set(visible.filter((i) => !heldByOther(i)).map((i) => i.id)));
          break;
        case 'clearSelection':
          setSelection(new Set());
          break;
        case 'help':
          setHelpOpen(true);
          break;
        case 'closeHelp':
          setHelpOpen(false);
          break;
        case 'zoomIn':
          viewer.current?.zoom(1.25);
          break;
        case 'zoomOut':
          viewer.current?.zoom(0.8);
          break;
        case 'zoomReset':
          viewer.current?.reset();
          break;
        case 'toggleEvidence':
          toggleEvidence();
          break;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [
    mode,
    classes,
    countBuffer,
    helpOpen,
    current,
    busy,
    applyLabel,
    labelItems,
    submitBoxes,
    skipItems,
    move,
    selectedItems,
    visible,
    heldByOther,
    suggested,
    toggleEvidence,
  ]);

  // A signed image URL is kept per item while it works, so the 10 s queue refresh does not reload the image.
  const urls = useRef(new Map<string, string>());
  const [, bumpUrls] = useState(0);
  const imageUrl = current?.imageQuery?.imageUrl ?? null;
  if (current && imageUrl && !urls.current.has(current.id)) urls.current.set(current.id, imageUrl);
  const src = current ? (urls.current.get(current.id) ?? imageUrl) : null;

  const sidebar = (
    <aside className="queue-filters" aria-label="Detectors">
      <h2 className="side-title">Detectors</h2>
      <a
        className={`filter${detectorId ? '' : ' active'}`}
        href={hrefFor({ page: 'queue', detectorId: null })}
      >
        <span>All detectors</span>
        <span className="count" data-testid="count-all">
          {queue.items.length}
        </span>
      </a>
      {[...counts.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([id, n]) => (
          <a
            key={id}
            className={`filter${detectorId === id ? ' active' : ''}`}
            href={hrefFor({ page: 'queue', detectorId: id })}
          >
            <span className="ellipsis">{detectorNames.get(id) ?? id}</span>
            <span className="count">{n}</span>
          </a>
        ))}
      {detectorId && !counts.has(detectorId) ? (
        <a className="filter active" href={hrefFor({ page: 'queue', detectorId })}>
          <span className="ellipsis">{detectorNames.get(detectorId) ?? detectorId}</span>
          <span className="count">0</span>
        </a>
      ) : null}
    </aside>
  );

  if (queue.loading) return <Loading what="the review queue" />;
  if (queue.error) {
    return <ErrorState title="The review queue did not load" error={queue.error} onRetry={queue.refetch} />;
  }

  return (
    <div className="queue-page">
      {sidebar}
      <section className="queue-list" aria-label="Open items">
        <div className="list-head">
          <h2 className="side-title">
            Open items <span className="count">{visible.length}</span>
          </h2>
          <span className="muted small">soonest deadline first</span>
        </div>
        {selection.size > 0 ? (
          <BulkBar
            items={selectedItems}
            busy={busy}
            onLabel={applyLabel}
            onSkip={() => void skipItems(selectedItems)}
            onClear={() => setSelection(new Set())}
          />
        ) : null}
        <ul className="items" data-testid="queue-items">
          {visible.map((i) => {
            const d = describeDeadline(i.deadlineAt, now);
            const other = heldByOther(i);
            const mine = i.claimedBy === me.id || (lease.status === 'held' && lease.id === i.id);
            return (
              <li
                key={i.id}
                className={`item${i.id === current?.id ? ' current' : ''}${other ? ' held' : ''}`}
                data-id={i.id}
              >
                <input
                  type="checkbox"
                  aria-label="Select for bulk labelling"
                  checked={selection.has(i.id)}
                  disabled={other}
                  onChange={() =>
                    setSelection((prev) => {
                      const next = new Set(prev);
                      if (next.has(i.id)) next.delete(i.id);
                      else next.add(i.id);
                      return next;
                    })
                  }
                />
                <button
                  type="button"
                  className="item-main"
                  disabled={other}
                  onClick={() => setCurrentId(i.id)}
                >
                  <span className="item-title ellipsis">{i.detector?.name ?? i.detectorId}</span>
                  <span className="item-sub ellipsis">{i.imageQuery?.query ?? i.reason}</span>
                  <span className="item-meta">
                    <span className={`deadline deadline-${d.urgency}`}>{d.text}</span>
                    <span className="reason">{i.reason}</span>
                    {other ? (
                      <span className="lock">in review</span>
                    ) : mine ? (
                      <span className="lock mine">yours</span>
                    ) : null}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
        {visible.length === 0 ? (
          <EmptyState title={detectorId ? 'Nothing open for this detector' : 'The queue is empty'}>
            <p>New escalations appear here as edges send them; keep this page open.</p>
            {detectorId ? (
              <p>
                <a href={hrefFor({ page: 'queue', detectorId: null })}>Show all detectors</a>
              </p>
            ) : null}
          </EmptyState>
        ) : null}
      </section>
      <section className="queue-detail" aria-label="Current item">
        {current && src ? (
          <>
            <ItemChips item={current} lease={lease} now={now} />
            <WhyItCame lines={whyItCame(explanation?.steps, current.reason)} />
            <div className="explained">
              <div className="explained-image">
                <ImageViewer
                  ref={viewer}
                  src={src}
                  alt={current.imageQuery?.query ?? 'image query'}
                  drawBoxes={mode === 'BOUNDING_BOX'}
                  boxes={boxes}
                  onAddBox={(b) =>
                    setBoxes((prev) => [
                      ...prev,
                      {
                        ...b,
                        label: objectClass(current.detector?.modeConfiguration) ?? 'object',
                        score: null,
                      },
                    ])
                  }
                  onError={() => {
                    if (imageUrl && urls.current.get(current.id) !== imageUrl) {
                      urls.current.set(current.id, imageUrl);
                      bumpUrls((n) => n + 1);
                    }
                  }}
                  overlay={
                    evidence && evidenceShown
                      ? (size) => <EvidenceOverlay grid={evidence} width={size.w} height={size.h} />
                      : undefined
                  }
                />
                <EvidenceLegend grid={evidence} shown={evidenceShown} onToggle={toggleEvidence} />
              </div>
              <ExplanationSide
                explanation={explanation}
                mapStep={mapStep}
                onMapStep={(index) => current && setMapStepOf({ itemId: current.id, index })}
              />
            </div>
            <div className="detail-foot">
              <LabelPanel
                key={current.id}
                mode={mode}
                suggestedCount={suggested}
                recognisedText={recognisedText(current.imageQuery)}
                classes={classes}
                countBuffer={countBuffer}
                boxes={boxes}
                busy={busy || lease.status !== 'held'}
                onLabel={applyLabel}
                onCount={(n) => void labelItems([current], String(n))}
                onSubmitBoxes={submitBoxes}
                onRemoveBox={(idx) => setBoxes((b) => b.filter((_, k) => k !== idx))}
                onSkip={() => void skipItems([current])}
              />
              <button type="button" className="btn btn-ghost help-btn" onClick={() => setHelpOpen(true)}>
                Shortcuts <kbd>?</kbd>
              </button>
            </div>
          </>
        ) : visible.length > 0 ? (
          <EmptyState title="Every open item is being reviewed">
            <p>Other reviewers hold the remaining items. Their claims return to the queue if they leave.</p>
          </EmptyState>
        ) : (
          <EmptyState title="All caught up">
            <p>
              Nothing needs a person right now. Items appear here live; press <kbd>?</kbd> to see the
              shortcuts.
            </p>
          </EmptyState>
        )}
        {notice ? (
          <div className={`notice notice-${notice.tone}`} role="status" data-testid="notice">
            {notice.text}
            <button type="button" className="link" onClick={() => setNotice(null)} aria-label="Dismiss">
              ×
            </button>
          </div>
        ) : null}
      </section>
      {helpOpen ? <HelpOverlay mode={mode} classes={classes} onClose={() => setHelpOpen(false)} /> : null}
    </div>
  );
}

function ItemChips({ item, lease, now }: { item: QueueItemFragment; lease: Lease; now: number }) {
  const mode = item.detector?.mode ?? 'BINARY';
  const edge = readEdgeResult(item.edgeResult, mode, classNames(item.detector?.modeConfiguration));
  const result = item.imageQuery?.result;
  const deadline = describeDeadline(item.deadlineAt, now);
  // Without the edge's summary in the metadata, the explanation the edge sent says what the model answered.
  const explained = item.imageQuery?.explanation ?? null;
  const modelAnswer = edge?.answer ?? explained?.label ?? (result ? resultText(result) : null);
  const threshold = edge?.threshold ?? item.detector?.confidenceThreshold ?? null;
  const confidence = edge?.confidence ?? explained?.confidence ?? result?.confidence ?? null;
  const leaseText = (() => {
    switch (lease.status) {
      case 'held':
        return lease.expiresAt
          ? `yours for ${formatDuration(Math.max(0, Date.parse(lease.expiresAt) - now))}`
          : 'yours';
      case 'claiming':
        return 'claiming…';
      case 'lost':
        return 'held by someone else';
      case 'error':
        return 'claim failed, retrying';
      case 'none':
        return '—';
    }
  })();
  return (
    <div className="detail-head">
      <h1 className="question" data-testid="question">
        {item.imageQuery?.query ?? item.detector?.query ?? 'Question'}
      </h1>
      <div className="chips" data-testid="chips">
        <Chip label="Detector">{item.detector?.name ?? item.detectorId}</Chip>
        <Chip label={edge ? 'Edge answer' : 'Model answer'} tone="info">
          {modelAnswer ?? '—'}
        </Chip>
        <Chip
          label="Confidence"
          tone={confidence !== null && threshold !== null && confidence < threshold ? 'warn' : 'neutral'}
          title={threshold !== null ? `threshold ${percent(threshold)}` : undefined}
        >
          {percent(confidence)}
          {threshold !== null ? <span className="muted"> / {percent(threshold)}</span> : null}
        </Chip>
        <Chip
          label="OODD"
          tone={
            edge?.ooddScore !== null && edge?.ooddScore !== undefined && edge.ooddScore > 0.5
              ? 'bad'
              : 'neutral'
          }
          title="Probability that the image is out of the model's domain"
        >
          {percent(edge?.ooddScore ?? null)}
        </Chip>
        <Chip label="Reason" tone="warn">
          {item.reason}
        </Chip>
        <Chip
          label="Deadline"
          tone={deadline.urgency === 'overdue' ? 'bad' : deadline.urgency === 'soon' ? 'warn' : 'neutral'}
        >
          {deadline.text}
        </Chip>
        <Chip
          label="Claim"
          tone={lease.status === 'held' ? 'good' : lease.status === 'lost' ? 'bad' : 'neutral'}
        >
          <span data-testid="lease">{leaseText}</span>
        </Chip>
      </div>
    </div>
  );
}

function BulkBar({
  items,
  busy,
  onLabel,
  onSkip,
  onClear,
}: {
  items: QueueItemFragment[];
  busy: boolean;
  onLabel: (label: string) => void;
  onSkip: () => void;
  onClear: () => void;
}) {
  const detectorIds = new Set(items.map((i) => i.detectorId));
  const first = items[0];
  const mode = first?.detector?.mode;
  const oneDetector = detectorIds.size === 1;
  const labels =
    mode === 'BINARY'
      ? ['YES', 'NO', 'UNCLEAR']
      : mode === 'MULTI_CLASS'
        ? [...classNames(first?.detector?.modeConfiguration), 'UNCLEAR']
        : ['UNCLEAR'];
  return (
    <div className="bulk" role="group" aria-label="Bulk labelling" data-testid="bulk-bar">
      <strong>{items.length} selected</strong>
      {oneDetector ? (
        labels.map((l) => (
          <button key={l} type="button" className="btn btn-small" disabled={busy} onClick={() => onLabel(l)}>
            {l}
          </button>
        ))
      ) : (
        <span className="muted small">Select items of one detector to label them together.</span>
      )}
      <button type="button" className="btn btn-small" disabled={busy} onClick={onSkip}>
        Skip all
      </button>
      <button type="button" className="link" onClick={onClear}>
        Clear
      </button>
    </div>
  );
}
