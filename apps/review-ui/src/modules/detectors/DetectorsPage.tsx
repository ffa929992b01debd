import { useQuery } from '@apollo/client/react';
import { hrefFor } from '../../app/router';
import { DetectorsDocument } from '../../gql/graphql';
import { Chip } from '../../ui/Chip';
import { percent } from '../../ui/format';
import { EmptyState, ErrorState, Loading } from '../../ui/States';
import { Table } from '../../ui/Table';
import { presetOf } from './detector-form';

export default function DetectorsPage() {
  const { data, loading, error, refetch } = useQuery(DetectorsDocument);
  const head = (
    <div className="page-head">
      <h1>Detectors</h1>
      <a className="btn btn-primary" href={hrefFor({ page: 'detectorNew' })}>
        New detector
      </a>
    </div>
  );
  if (loading && !data) return <Loading what="detectors" />;
  if (error && !data) {
    return <ErrorState title="Detectors did not load" error={error} onRetry={() => void refetch()} />;
  }
  const detectors = data?.detectors ?? [];
  return (
    <div className="page">
      {head}
      {detectors.length === 0 ? (
        <EmptyState title="No detectors yet">
          <p>
            A detector is a question asked of images.{' '}
            <a href={hrefFor({ page: 'detectorNew' })}>Create one</a>, or let a client create it through the
            SDK (<code>get_or_create_detector</code>).
          </p>
        </EmptyState>
      ) : (
        <div className="table-wrap card">
          <Table
            testId="detectors-table"
            columns={[
              'Name',
              { label: 'Question', className: 'wide-only' },
              'Mode',
              { label: 'Threshold', className: 'num' },
              { label: 'Patience', className: 'num' },
              { label: 'Preset', className: 'wide-only' },
              'Status',
            ]}
          >
            {detectors.map((d) => (
              <tr key={d.id}>
                <td>
                  <a className="nowrap" href={hrefFor({ page: 'detector', id: d.id })}>
                    {d.name}
                  </a>
                  <span className="narrow-only muted small">{d.query}</span>
                </td>
                <td className="ellipsis-cell wide-only" title={d.query}>
                  {d.query}
                </td>
                <td>
                  <Chip>{d.mode}</Chip>
                </td>
                <td className="num">{percent(d.confidenceThreshold)}</td>
                <td className="num">{d.patienceTime}s</td>
                <td className="wide-only">{presetOf(d.metadata)}</td>
                <td>
                  <Chip tone={d.status === 'ON' ? 'good' : 'neutral'}>{d.status}</Chip>
                </td>
              </tr>
            ))}
          </Table>
        </div>
      )}
    </div>
  );
}
