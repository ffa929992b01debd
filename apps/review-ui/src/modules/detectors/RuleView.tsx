import { describeRule } from './compound';

/** A compound detector's rule as indented words, detectors by name. */
export function RuleView({ rule, names }: { rule: unknown; names: ReadonlyMap<string, string> }) {
  const lines = describeRule(rule, (id) => names.get(id) ?? id);
  return (
    <ul className="rule-view" data-testid="rule-view">
      {lines.map((l, i) => (
        <li key={i} style={{ paddingLeft: `${l.depth * 18}px` }}>
          {l.text}
        </li>
      ))}
    </ul>
  );
}
