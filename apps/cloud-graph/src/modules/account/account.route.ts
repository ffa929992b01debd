import { ROLES } from '../../auth/principal';
import type { RestRouter } from '../../http/rest';
import type { AccountService } from './account.service';

/** People only: a hub token has no account. */
export function accountRoutes(
  router: RestRouter,
  account: AccountService,
  prefixes: readonly string[],
): void {
  router.add(
    'GET',
    '/month-to-date-account-info',
    async (req) => {
      await req.auth(ROLES.people);
      return { status: 200, json: await account.monthToDate() };
    },
    prefixes,
  );
}
