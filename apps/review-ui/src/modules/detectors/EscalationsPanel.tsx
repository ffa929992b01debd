/**
 * The detector page's Escalations section (#18): the last 30 days at the edge, threshold vs learned policy,
 * and the published primary's escalation-policy fit with the policy the edge decides with.
 * The logic is in escalation-panel.ts.
 */
import type {
  DetectorDetailQuery,
  EscalationGroupFieldsFragment,
  EscalationPolicyMode,
} from '../../gql/graphql';
import { Chip } from '../../ui/Chip';
import { appliedPolicy, heldOutRows, policyFitOf, reasonText, statCells } from './escalation-panel';

type Version = DetectorDetailQuery['modelVersions'][number];
type Stats = NonNullable<DetectorDetailQuery['detector']>['escalationStats'];

interface Props {
  stats: Stats;
  setting: EscalationPolicyMode | null;
  versions: readonly Version[];
}

export function EscalationsPanel({ stats, setting, versions }: Props) {
  const primary = versions.find((v) => v.kind === 'primary' && v.state === 'PUBLISHED') ?? null;
  const fit = primary ? policyFitOf(primary.metrics) : null;
  const applied = appliedPolicy(setting, fit);
  return (
    // The page's 16 px rhythm between the stats and the fit (no class for a stack of cards).
    <div data-testid="escalations" style={{ display: 'grid', gap: 16 }}>
      {stats ? (
        <div className="detector-grid">
          <StatsGroup title="Threshold" testId="escalations-threshold" group={stats.threshold} />
          <StatsGroup title="Learned policy" testId="escalations-learned" group={stats.learnedPolicy} />
        </div>
      ) : (
        <p className="muted small">This mode has no classes, so no escalation statistics.</p>
      )}
      <div className="card" data-testid="policy-fit">
        <h3>Published primary’s escalation policy</h3>
        {!primary ? (
          <p className="muted small">No published primary yet.</p>
        ) : !fit ? (
          <p className="muted small">
            Version {primary.number} records no escalation-policy fit (trained before the learned policy).
          </p>
        ) : (
          <>
            <p className="small">
              v{primary.number}: {reasonText(fit)}
            </p>
            {fit.heldOut ? (
              <table className="table" data-testid="policy-held-out">
                <thead>
                  <tr>
                    <th>Held out ({fit.heldOut.examples} labelled answers)</th>
                    <th>Threshold → learned policy</th>
                  </tr>
                </thead>
                <tbody>
                  {heldOutRows(fit.heldOut).map((r) => (
                    <tr key={r.label}>
                      <td>{r.label}</td>
                      <td>
                        {r.before} → <strong>{r.after}</strong>{' '}
                        <span className="muted small">{r.better ? 'lower' : 'not lower'}</span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
            {fit.heldOut ? (
              <Chip tone={fit.heldOut.won ? 'good' : 'neutral'}>
                {fit.heldOut.won ? 'won' : 'did not win'}
              </Chip>
            ) : null}
          </>
        )}
        <p className="small" data-testid="policy-applied">
          The edge decides with the <strong>{applied.policy}</strong> policy: {applied.why}.
        </p>
      </div>
    </div>
  );
}

function StatsGroup({
  title,
  testId,
  group,
}: {
  title: string;
  testId: string;
  group: EscalationGroupFieldsFragment;
}) {
  return (
    <div className="card" data-testid={testId}>
      <h3>{title}</h3>
      <table className="table">
        <tbody>
          {statCells(group).map((c) => (
            <tr key={c.label}>
              <td>{c.label}</td>
              <td>
                <strong>{c.value}</strong>
              </td>
              <td className="muted small">{c.note}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">
        {group.escalations} escalations ({group.labelledEscalations} labelled) · {group.audits} audits (
        {group.labelledAudits} labelled)
      </p>
    </div>
  );
}
