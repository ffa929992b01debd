/**
 * The most similar labelled examples of the detector, as thumbnails with their labels and similarity; a
 * click opens that image query. Each thumbnail asks for its own signed image URL (`imageQuery(id)`, batched
 * by the cloud's loader); an example the caller cannot see, or one since deleted, shows as a placeholder.
 */
import { useQuery } from '@apollo/client/react';
import { hrefFor } from '../../app/router';
import { NeighborImageDocument } from '../../gql/graphql';
import { similarityText } from './reasons';

export interface NeighborView {
  imageQueryId: string;
  label: string;
  similarity: number;
}

export function NeighborStrip({ neighbors }: { neighbors: readonly NeighborView[] }) {
  if (neighbors.length === 0) {
    return (
      <p className="muted small">No labelled examples to compare with (no index in the model package).</p>
    );
  }
  return (
    <ul className="neighbors" data-testid="neighbors">
      {neighbors.map((n) => (
        <li key={n.imageQueryId}>
          <NeighborThumb n={n} />
        </li>
      ))}
    </ul>
  );
}

function NeighborThumb({ n }: { n: NeighborView }) {
  const { data, loading } = useQuery(NeighborImageDocument, { variables: { id: n.imageQueryId } });
  const url = data?.imageQuery?.imageUrl ?? null;
  return (
    <a
      className="neighbor"
      href={hrefFor({ page: 'imageQuery', id: n.imageQueryId })}
      data-testid="neighbor"
      data-id={n.imageQueryId}
      title={`${n.label} · ${similarityText(n.similarity)} · ${n.imageQueryId}`}
    >
      {url ? (
        <img src={url} alt={`labelled ${n.label}`} loading="lazy" />
      ) : (
        <span className="neighbor-missing">{loading ? '…' : 'image unavailable'}</span>
      )}
      <span className="neighbor-label">{n.label}</span>
      <span className="neighbor-sim small muted">{similarityText(n.similarity)}</span>
    </a>
  );
}
