/**
 * `GET /image-queries` through the edge: the cloud's page, plus the queries this edge accepted that the cloud
 * does not list yet (an escalation still in the outbox, or an edge answer never escalated), so a client sees
 * what it submitted a moment ago. Only the first page merges; local queries are placed where they belong by
 * `created_at` (newest first) and never push a cloud item off the page (the next page is the cloud's).
 */
import type { ImageQuery, Paginated } from '@intellioptics/schema';

export function mergeFirstPage(
  cloudPage: Paginated<ImageQuery>,
  local: readonly ImageQuery[],
  pageSize: number,
): Paginated<ImageQuery> {
  const listed = new Set(cloudPage.results.map((q) => q.id));
  const oldest = cloudPage.results.at(-1)?.created_at;
  // A full cloud page has older items on the next page: only local ones at least as new as its last item.
  const bounded = cloudPage.results.length >= pageSize && oldest !== undefined;
  const extra = local.filter(
    (q) => !listed.has(q.id) && (!bounded || Date.parse(q.created_at) >= Date.parse(oldest)),
  );
  if (extra.length === 0) return cloudPage;
  const results = [...cloudPage.results, ...extra].sort(
    (a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || (a.id < b.id ? 1 : -1),
  );
  return { ...cloudPage, count: cloudPage.count + extra.length, results };
}
