/** Training jobs of one detector, with progress while they run, and "Train now". */
import { useEffect, useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import {
  AdminRequestTrainingDocument,
  AdminTrainingJobsDocument,
  DetectorsDocument,
} from '../../gql/graphql';
import { Chip } from '../../ui/Chip';
import { relativeTime } from '../../ui/format';
import { EmptyState, ErrorState, Loading } from '../../ui/States';
import { Table } from '../../ui/Table';
import { ActionMessage, payloadProblem, useAction } from '../../ui/useAction';
import { useNow } from '../../ui/useNow';
import { jobActive, jobSummary } from './admin-logic';

export function TrainingPanel() {
  const detectors = useQuery(DetectorsDocument);
  const [chosen, setChosen] = useState<string | null>(null);
  const list = detectors.data?.detectors ?? [];
  const detectorId = chosen ?? list[0]?.id ?? null;

  if (detectors.loading && !detectors.data) return <Loading what="detectors" />;
  if (detectors.error && !detectors.data)
    return <ErrorState title="Detectors did not load" error={detectors.error} />;
  if (!detectorId) return <EmptyState title="No detectors yet" />;
  return (
    <div className="card">
      <label htmlFor="t-detector">Detector</label>{' '}
      <select id="t-detector" value={detectorId} onChange={(e) => setChosen(e.target.value)}>
        {list.map((d) => (
          <option key={d.id} value={d.id}>
            {d.name}
          </option>
        ))}
      </select>
      <Jobs key={detectorId} detectorId={detectorId} />
    </div>
  );
}

function Jobs({ detectorId }: { detectorId: string }) {
  const { data, loading, error, refetch, startPolling, stopPolling } = useQuery(AdminTrainingJobsDocument, {
    variables: { detectorId },
  });
  const [request, { loading: requesting }] = useMutation(AdminRequestTrainingDocument);
  const { message, run } = useAction();
  const now = useNow(5_000);
  const jobs = data?.trainingJobs ?? [];
  const running = jobs.some((j) => jobActive(j.state));
  // Poll only while a job is queued or running: progress moves, finished jobs do not.
  useEffect(() => {
    if (running) startPolling(1_000);
    else stopPolling();
    return stopPolling;
  }, [running, startPolling, stopPolling]);

  const trainNow = () =>
    run(async () => {
      const { data: r } = await request({ variables: { detectorId } });
      await refetch();
      return payloadProblem(r?.requestTraining, 'Not queued.');
    });

  return (
    <div className="jobs">
      <div className="form-actions">
        <button
          type="button"
          className="btn btn-primary"
          disabled={requesting || running}
          onClick={() => void trainNow()}
        >
          Train now
        </button>
        <ActionMessage message={message} />
      </div>
      {loading && !data ? (
        <Loading what="training jobs" />
      ) : error && !data ? (
        <ErrorState title="Training jobs did not load" error={error} />
      ) : jobs.length === 0 ? (
        <p className="muted">
          No training jobs yet. The worker queues one when new labels arrive, or press Train now.
        </p>
      ) : (
        <Table
          testId="jobs-table"
          columns={['Queued', 'Trigger', 'State', 'Progress', { label: 'Labels', className: 'num' }]}
        >
          {jobs.map((j) => (
            <tr key={j.id} data-testid="job-row" data-state={j.state}>
              <td>{relativeTime(j.createdAt, now)}</td>
              <td>{j.trigger}</td>
              <td>
                <Chip tone={j.state === 'FAILED' ? 'bad' : j.state === 'SUCCEEDED' ? 'good' : 'info'}>
                  {jobSummary(j)}
                </Chip>
                {j.error ? <div className="field-error small">{j.error}</div> : null}
              </td>
              <td>
                <progress max={1} value={j.progress} aria-label="progress" />
              </td>
              <td className="num">{j.labelCount ?? '—'}</td>
            </tr>
          ))}
        </Table>
      )}
    </div>
  );
}
