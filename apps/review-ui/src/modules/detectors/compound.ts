/**
 * A compound detector's rule (libs/schema compound-rule.ts: all / any / not over leaves on other detectors'
 * answers) read for people: an indented line per node, detectors by name. Read defensively (the rule is JSON
 * from the server or typed by an admin) and without the contract's zod parser (it would add ~40 kB gzip to
 * the bundle): the cloud validates on create and names the node that is wrong.
 */

export interface RuleLine {
  depth: number;
  text: string;
}

type Names = (detectorId: string) => string;

function record(v: unknown): Record<string, unknown> | null {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

const num = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? String(v) : '?');

/** The rule as indented lines ("all of:", "helmet-on is YES"); an unreadable node says so. */
export function describeRule(rule: unknown, name: Names, depth = 0): RuleLine[] {
  const node = record(rule);
  if (!node) return [{ depth, text: `unreadable rule node: ${JSON.stringify(rule)}` }];
  for (const op of ['all', 'any'] as const) {
    if (op in node) {
      const children = Array.isArray(node[op]) ? (node[op] as unknown[]) : [];
      return [
        { depth, text: op === 'all' ? 'all of:' : 'any of:' },
        ...children.flatMap((c) => describeRule(c, name, depth + 1)),
      ];
    }
  }
  if ('not' in node) return [{ depth, text: 'not:' }, ...describeRule(node.not, name, depth + 1)];
  return [{ depth, text: describeLeaf(node, name) }];
}

function describeLeaf(leaf: Record<string, unknown>, name: Names): string {
  const who = typeof leaf.detector === 'string' ? name(leaf.detector) : '?';
  if (typeof leaf.label === 'string') return `${who} is ${leaf.label}`;
  const count = record(leaf.count);
  if (count) {
    const bounds = [
      count.gte !== undefined ? `≥ ${num(count.gte)}` : null,
      count.lte !== undefined ? `≤ ${num(count.lte)}` : null,
    ].filter(Boolean);
    return `${who} counts ${bounds.join(' and ') || '(no bound)'}`;
  }
  if (typeof leaf.inside === 'string') return `a ${who} box is inside zone "${leaf.inside}"`;
  const near = record(leaf.near);
  if (near) {
    const other = typeof near.detector === 'string' ? name(near.detector) : '?';
    return `a ${who} box is within ${num(near.within)} of a ${other} box`;
  }
  const overlaps = record(leaf.overlaps);
  if (overlaps) {
    const other = typeof overlaps.detector === 'string' ? name(overlaps.detector) : '?';
    return `a ${who} box overlaps a ${other} box (IoU ≥ ${num(overlaps.iou)})`;
  }
  return `unreadable leaf: ${JSON.stringify(leaf)}`;
}

/** The leaf an admin starts from for a detector of `mode` (BINARY: its YES; COUNT / boxes: at least one). */
export function leafFor(detectorId: string, mode: string): Record<string, unknown> {
  return mode === 'BINARY'
    ? { detector: detectorId, label: 'YES' }
    : { detector: detectorId, count: { gte: 1 } };
}

/**
 * The rule text with `leaf` added: into the top-level `all` when there is one, else the rule and the leaf
 * under a new `all`; an empty text starts from the leaf alone, text that is not JSON is left as typed.
 */
export function addLeaf(text: string, leaf: Record<string, unknown>): string {
  const parsed = parseRuleText(text);
  // Typed text that is not JSON yet stays as it is: the admin fixes it first.
  if (!parsed.ok && text.trim()) return text;
  const rule = parsed.ok ? parsed.rule : null;
  const node = record(rule);
  const next =
    rule === null
      ? leaf
      : node && Array.isArray(node.all)
        ? { ...node, all: [...(node.all as unknown[]), leaf] }
        : { all: [rule, leaf] };
  return JSON.stringify(next, null, 2);
}

export function parseRuleText(text: string): { ok: true; rule: unknown } | { ok: false; message: string } {
  if (!text.trim()) return { ok: false, message: 'Write a rule, or add detectors below.' };
  try {
    return { ok: true, rule: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, message: `Not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
}
