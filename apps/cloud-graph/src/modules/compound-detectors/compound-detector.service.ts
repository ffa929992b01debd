/**
 * Compound detectors: a BINARY detector whose answer is a rule over other detectors' answers about the same
 * image (libs/schema compound-rule.ts). Stored as an ordinary detector with its `rule`, so every read path
 * (REST, GraphQL, the edge's detector fetch) carries it; the edge evaluates it (apps/edge-gateway/src/compound).
 *
 * Validation, in order: the body and the rule's shape (400 BAD_REQUEST, every error with its path); then what
 * the rule names (422 UNPROCESSABLE): each detector exists and the caller may see it, fits the leaf that reads
 * it (label → BINARY, count → COUNT, boxes → COUNT or BOUNDING_BOX), and is not itself compound. Compound
 * detectors do not nest: the edge answers every part from one inference call, and no rule can then reach
 * back to itself (no cycles).
 */
import {
  CompoundDetectorCreationInputSchema,
  IntelliOpticsError,
  leafKind,
  newId,
  parseCompoundRule,
  type CompoundLeaf,
  type CompoundRule,
  type DetectorMode,
} from '@intellioptics/schema';
import { canSeeDetector, type Principal } from '../../auth/principal';
import { flushOrConflict } from '../../db/flush-or-conflict';
import type { Orm } from '../../db/orm';
import { ensureDetectorGroup } from '../detector-groups/detector-group.service';
import { Detector, type DetectorEntity } from '../detectors/detector.entity';
import { DEFAULT_GROUP_NAME, fieldErrors } from '../detectors/detector.service';

/** The modes a leaf can read. */
const MODES_FOR: Record<ReturnType<typeof leafKind>, readonly DetectorMode[]> = {
  label: ['BINARY'],
  count: ['COUNT'],
  inside: ['COUNT', 'BOUNDING_BOX'],
  near: ['COUNT', 'BOUNDING_BOX'],
  overlaps: ['COUNT', 'BOUNDING_BOX'],
};

export class CompoundDetectorService {
  constructor(private readonly orm: Orm) {}

  async create(body: unknown, who: Principal): Promise<DetectorEntity> {
    const parsed = CompoundDetectorCreationInputSchema.safeParse(body);
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error);
      throw new IntelliOpticsError('BAD_REQUEST', errors.map((e) => `${e.path}: ${e.message}`).join('; '), {
        fieldErrors: errors,
      });
    }
    const input = parsed.data;
    if (input.rule === undefined) {
      throw new IntelliOpticsError('BAD_REQUEST', 'rule: is required (for example {"all": [...]})', {
        fieldErrors: [{ path: 'rule', message: 'is required' }],
      });
    }
    const rule = parseCompoundRule(input.rule);
    if (!rule.ok) {
      throw new IntelliOpticsError(
        'BAD_REQUEST',
        rule.errors.map((e) => `${e.path}: ${e.message}`).join('; '),
        {
          fieldErrors: rule.errors,
        },
      );
    }
    const em = this.orm.em.fork();
    const found = await em.find(Detector, { id: { $in: rule.detectorIds } });
    const byId = new Map(found.map((d) => [d.id, d]));
    const problems = rule.detectorIds.flatMap((id): string[] => {
      const d = byId.get(id);
      // A detector the caller may not see is reported as missing, as GET /detectors/:id does.
      if (!d || !canSeeDetector(who, id)) return [`${id}: no detector has this id`];
      if (d.rule) return [`${id}: is a compound detector; compound detectors do not nest`];
      return [];
    });
    problems.push(...modeProblems(rule.rule, byId));
    if (problems.length > 0) {
      throw new IntelliOpticsError('UNPROCESSABLE', `rule: ${problems.join('; ')}`, {
        fieldErrors: problems.map((message) => ({ path: 'rule', message })),
      });
    }
    const detector = em.create(Detector, {
      id: newId('detector'),
      name: input.name,
      query: input.query,
      groupName: input.group_name ?? DEFAULT_GROUP_NAME,
      mode: 'BINARY',
      modeConfiguration: null,
      confidenceThreshold: input.confidence_threshold ?? 0.9,
      patienceTime: input.patience_time ?? 30,
      status: 'ON',
      escalationType: 'STANDARD',
      metadata: input.metadata ?? null,
      rule: rule.rule,
    });
    await ensureDetectorGroup(this.orm, detector.groupName);
    await flushOrConflict(em, () => `A detector named ${JSON.stringify(input.name)} exists.`);
    return detector;
  }
}

/** Each leaf whose detector answers a mode the leaf cannot read, with the leaf's path. */
function modeProblems(rule: CompoundRule, byId: ReadonlyMap<string, DetectorEntity>): string[] {
  const out: string[] = [];
  const check = (id: string, leaf: CompoundLeaf, path: string) => {
    const d = byId.get(id);
    const kind = leafKind(leaf);
    if (d && !MODES_FOR[kind].includes(d.mode)) {
      out.push(
        `${path}: a ${kind} leaf reads a ${MODES_FOR[kind].join(' or ')} detector, ${id} is ${d.mode}`,
      );
    }
  };
  const walk = (e: CompoundRule, path: string): void => {
    if ('all' in e) e.all.forEach((c, i) => walk(c, `${path}.all[${i}]`));
    else if ('any' in e) e.any.forEach((c, i) => walk(c, `${path}.any[${i}]`));
    else if ('not' in e) walk(e.not, `${path}.not`);
    else {
      check(e.detector, e, path);
      // A per-object question crops the boxes of `on`.
      const on = 'label' in e && e.on !== undefined ? byId.get(e.on) : undefined;
      if (on && !MODES_FOR.inside.includes(on.mode)) {
        out.push(
          `${path}.on: a per-object question crops the boxes of a COUNT or BOUNDING_BOX detector, ${on.id} is ${on.mode}`,
        );
      }
      if ('near' in e) check(e.near.detector, e, `${path}.near`);
      if ('overlaps' in e) check(e.overlaps.detector, e, `${path}.overlaps`);
    }
  };
  walk(rule, 'rule');
  return out;
}
