/**
 * The one pagination rule of the REST APIs (Groundlight's `page` / `page_size`): 1-based pages, page_size
 * 1..1000 (default 10). A value outside that is 400 INVALID_PARAMETER: Groundlight clients only send valid
 * values, so a bad one is a caller's mistake worth telling. `next`/`previous` are absolute links.
 */
import { IntelliOpticsError, type Paginated } from '@intellioptics/schema';

export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 1000;
const MAX_PAGE = 1_000_000;

export interface PageRequest {
  page: number;
  pageSize: number;
}

function whole(query: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    throw new IntelliOpticsError('INVALID_PARAMETER', `${name} must be a whole number from 1 to ${max}.`);
  }
  return Number(raw);
}

export function parsePageRequest(query: URLSearchParams): PageRequest {
  return {
    page: whole(query, 'page', 1, MAX_PAGE),
    pageSize: whole(query, 'page_size', DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
  };
}

/** Index of the first item of the page. */
export function pageOffset(p: PageRequest): number {
  return (p.page - 1) * p.pageSize;
}

/** The envelope for one page of `count` items; links keep the request's other query parameters. */
export function paginated<T>(
  p: PageRequest,
  count: number,
  results: T[],
  link: { baseUrl: string; path: string; query: URLSearchParams },
): Paginated<T> {
  const to = (page: number): string => {
    const q = new URLSearchParams(link.query);
    q.set('page', String(page));
    q.set('page_size', String(p.pageSize));
    return `${link.baseUrl}${link.path}?${q.toString()}`;
  };
  return {
    count,
    next: pageOffset(p) + p.pageSize < count ? to(p.page + 1) : null,
    previous: p.page > 1 ? to(p.page - 1) : null,
    results,
  };
}

/** One page of an in-memory list. */
export function paginateList<T>(
  all: readonly T[],
  p: PageRequest,
  link: { baseUrl: string; path: string; query: URLSearchParams },
): Paginated<T> {
  const start = pageOffset(p);
  return paginated(p, all.length, all.slice(start, start + p.pageSize), link);
}
