/**
 * Create a compound detector (#16): a name, a question and a rule over other detectors (JSON, the contract of
 * libs/schema compound-rule.ts), built by picking detectors or typed, read back as words while it is edited.
 * The cloud validates the rule and names the node that is wrong (`rule.all[1].count`).
 */
import { useMemo, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { navigate } from '../../app/router';
import { CreateCompoundDetectorDocument, DetectorsDocument } from '../../gql/graphql';
import { Field } from '../../ui/Field';
import { describeError } from '../../ui/States';
import { addLeaf, leafFor, parseRuleText } from './compound';
import { RuleView } from './RuleView';

export function CompoundForm() {
  const detectors = useQuery(DetectorsDocument);
  const [create] = useMutation(CreateCompoundDetectorDocument, { refetchQueries: [DetectorsDocument] });
  const [name, setName] = useState('');
  const [query, setQuery] = useState('');
  const [rule, setRule] = useState('');
  const [pick, setPick] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const parts = useMemo(() => (detectors.data?.detectors ?? []).filter((d) => !d.rule), [detectors.data]);
  const names = useMemo(() => new Map(parts.map((d) => [d.id, d.name])), [parts]);
  const parsed = parseRuleText(rule);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (!name.trim() || !query.trim()) return setError('A compound detector needs a name and a question.');
    if (!parsed.ok) return setError(parsed.message);
    setBusy(true);
    try {
      const { data } = await create({ variables: { input: { name, query, rule: parsed.rule } } });
      const payload = data?.createCompoundDetector;
      if (payload?.ok && payload.detector) navigate({ page: 'detector', id: payload.detector.id });
      else {
        // The field errors name the rule's node; the message repeats the first of them.
        const fields = (payload?.error?.fields ?? []).map((f) => `${f.path}: ${f.message}`);
        setError(
          fields.length ? fields.join(' · ') : (payload?.error?.message ?? 'The detector was not created.'),
        );
      }
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card compound-form" aria-label="New compound detector" onSubmit={(e) => void submit(e)}>
      <p className="muted small">
        Its answer is a rule over other detectors&apos; answers on the same image (asked on one backbone pass
        at the edge); it answers YES or NO and escalates when a part that matters is unsure.
      </p>
      <div className="form-grid">
        <Field htmlFor="c-name" label="Name">
          <input id="c-name" value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field htmlFor="c-query" label="Question">
          <input id="c-query" value={query} onChange={(e) => setQuery(e.target.value)} />
        </Field>
      </div>
      <div className="inline-form">
        <label htmlFor="c-pick">Add a detector</label>
        <select id="c-pick" value={pick} onChange={(e) => setPick(e.target.value)}>
          <option value="">choose…</option>
          {parts.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name} ({d.mode})
            </option>
          ))}
        </select>
        <button
          type="button"
          className="btn btn-small"
          disabled={!pick || (!parsed.ok && rule.trim() !== '')}
          onClick={() => {
            const d = parts.find((x) => x.id === pick);
            if (d) setRule((r) => addLeaf(r, leafFor(d.id, d.mode)));
            setError(null);
          }}
        >
          Add to the rule
        </button>
      </div>
      <Field
        htmlFor="c-rule"
        label="Rule"
        error={rule.trim() && !parsed.ok ? parsed.message : undefined}
        help='{"all": [...]}, {"any": [...]}, {"not": …}; leaves {"detector", "label"}, {"detector", "count": {"gte"}}, {"detector", "inside": zone}, "near", "overlaps"'
      >
        <textarea
          id="c-rule"
          className="mono"
          rows={8}
          value={rule}
          onChange={(e) => {
            setRule(e.target.value);
            setError(null);
          }}
          spellCheck={false}
        />
      </Field>
      {parsed.ok ? <RuleView rule={parsed.rule} names={names} /> : null}
      {error ? (
        <p className="form-error" role="alert" data-testid="compound-error">
          {error}
        </p>
      ) : null}
      <button type="submit" className="btn btn-primary" disabled={busy}>
        Create compound detector
      </button>
    </form>
  );
}
