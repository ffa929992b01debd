/**
 * Whether a confident edge answer is also sent to the cloud as an audit (so reviewers keep checking answers
 * the model is sure of). `roll` is a uniform draw in [0, 1) made by the caller: rate 0 never audits, rate 1
 * always does. An audit is invisible to the caller: same answer, done_processing stays true.
 */
export function shouldAudit(roll: number, rate: number): boolean {
  if (!(Number.isFinite(roll) && roll >= 0 && roll < 1))
    throw new RangeError(`audit roll must be in [0, 1), got ${roll}`);
  if (!(Number.isFinite(rate) && rate >= 0 && rate <= 1))
    throw new RangeError(`audit rate must be in [0, 1], got ${rate}`);
  return roll < rate;
}
