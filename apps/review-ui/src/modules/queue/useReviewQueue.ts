/**
 * The open review queue: the `reviewQueue` query (re-polled so claims and expiries of other reviewers show
 * up), merged with `escalationCreated` events as they arrive, minus what this tab labelled or skipped.
 */
import { useCallback, useMemo, useState } from 'react';
import { useQuery, useSubscription } from '@apollo/client/react';
import { EscalationCreatedDocument, ReviewQueueDocument, type QueueItemFragment } from '../../gql/graphql';
import { mergeQueue, withoutIds } from './ordering';

export interface ReviewQueue {
  items: QueueItemFragment[];
  loading: boolean;
  error: unknown;
  refetch: () => void;
  /** Hides items this tab resolved until the server's queue agrees. */
  markDone: (ids: readonly string[]) => void;
  /** Replaces one item's lease fields (after claim/release). */
  patch: (item: Pick<QueueItemFragment, 'id'> & Partial<QueueItemFragment>) => void;
  /** When the server's queue last changed (ms); a newer list supersedes local notes about claims. */
  receivedAt: number;
  /** The number of items that arrived live since the page opened. */
  liveCount: number;
}

const PAGE = 200;

/** The whole open queue (filtering by detector happens in the page, so per-detector counts stay right). */
export function useReviewQueue(): ReviewQueue {
  const detectorIds = null;
  const { data, loading, error, refetch } = useQuery(ReviewQueueDocument, {
    variables: { detectorIds, first: PAGE },
    pollInterval: 10_000,
    notifyOnNetworkStatusChange: false,
  });
  const [live, setLive] = useState<{ item: QueueItemFragment; receivedAt: number }[]>([]);
  const [done, setDone] = useState<ReadonlySet<string>>(new Set());
  const [patches, setPatches] = useState<ReadonlyMap<string, Partial<QueueItemFragment>>>(new Map());

  useSubscription(EscalationCreatedDocument, {
    variables: { detectorIds },
    onData: ({ data: event }) => {
      const esc = event.data?.escalationCreated.escalation;
      if (esc)
        setLive((prev) => [
          ...prev.filter((l) => l.item.id !== esc.id),
          { item: esc, receivedAt: Date.now() },
        ]);
    },
  });

  const fromServer = data?.reviewQueue.edges;
  // New server data is the truth: local lease patches end, and live items the server no longer lists
  // (labelled or claimed elsewhere) leave unless they arrived too recently for that query to include them.
  const [seen, setSeen] = useState(fromServer);
  const [receivedAt, setReceivedAt] = useState(() => Date.now());
  if (seen !== fromServer) {
    setSeen(fromServer);
    setReceivedAt(Date.now());
    setPatches(new Map());
    const listed = new Set(fromServer?.map((e) => e.node.id));
    const recent = Date.now() - 5_000;
    setLive((prev) => prev.filter((l) => listed.has(l.item.id) || l.receivedAt > recent));
  }
  const items = useMemo(() => {
    const base = mergeQueue(
      live.map((l) => l.item),
      fromServer?.map((e) => e.node) ?? [],
    );
    const patched = base.map((i) => {
      const p = patches.get(i.id);
      return p ? { ...i, ...p } : i;
    });
    return withoutIds(patched, done);
  }, [fromServer, live, done, patches]);

  const markDone = useCallback((ids: readonly string[]) => {
    setDone((prev) => new Set([...prev, ...ids]));
  }, []);

  const patch = useCallback((item: Pick<QueueItemFragment, 'id'> & Partial<QueueItemFragment>) => {
    setPatches((prev) => new Map(prev).set(item.id, { ...prev.get(item.id), ...item }));
  }, []);

  const doRefetch = useCallback(() => {
    setPatches(new Map());
    void refetch();
  }, [refetch]);

  return {
    items,
    loading: loading && !data,
    error: data ? undefined : error,
    refetch: doRefetch,
    markDone,
    patch,
    receivedAt,
    liveCount: live.length,
  };
}
