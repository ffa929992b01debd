/**
 * Who may read `/metrics`: a caller with an API token (`x-api-token`, checked like any route), or a scraper
 * sending `Authorization: Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set (what Prometheus sends with
 * `authorization: { credentials_file: … }`; it cannot send x-api-token without a custom header).
 */
import { timingSafeEqual } from 'node:crypto';

export function isScrapeToken(metricsToken: string | null, authorization: string | undefined): boolean {
  if (metricsToken === null) return false;
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1]!);
  const wanted = Buffer.from(metricsToken);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
