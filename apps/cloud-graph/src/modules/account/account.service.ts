/** `/v1/month-to-date-account-info`: this calendar month's usage (UTC). IntelliOptics sets no limits. */
import type { Orm } from '../../db/orm';

export interface AccountMonthToDateInfo {
  iqs: number;
  escalations: number;
  active_detectors: number;
  iqs_limit: number | null;
  escalations_limit: number | null;
  active_detectors_limit: number | null;
}

/** The first instant of `now`'s month in UTC. */
export function monthStartUtc(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

export class AccountService {
  constructor(
    private readonly orm: Orm,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Image queries and escalations created this month; active detectors: those with a query this month. */
  async monthToDate(): Promise<AccountMonthToDateInfo> {
    const since = monthStartUtc(this.now());
    const [row] = await this.orm.em
      .fork()
      .getConnection()
      .execute<{ iqs: string; escalations: string; active_detectors: string }[]>(
        `select
         (select count(*) from "image_queries" where "created_at" >= ?) as iqs,
         (select count(*) from "escalations" where "created_at" >= ?) as escalations,
         (select count(distinct "detector_id") from "image_queries" where "created_at" >= ?) as active_detectors`,
        [since, since, since],
      );
    return {
      iqs: Number(row?.iqs ?? 0),
      escalations: Number(row?.escalations ?? 0),
      active_detectors: Number(row?.active_detectors ?? 0),
      iqs_limit: null,
      escalations_limit: null,
      active_detectors_limit: null,
    };
  }
}
