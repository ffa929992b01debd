/**
 * Who may scrape `/metrics`: anyone who reaches the port while METRICS_TOKEN is unset (bind the port to a
 * private network, as the compose files do), otherwise only `Authorization: Bearer <METRICS_TOKEN>`, the
 * header Prometheus sends with `authorization: { credentials_file: … }`.
 */
import { timingSafeEqual } from 'node:crypto';

export function mayScrape(token: string | null, authorization: string | undefined): boolean {
  if (token === null) return true;
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1]!);
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
