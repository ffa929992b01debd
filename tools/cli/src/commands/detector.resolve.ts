/** `--detector` takes an id (det_…) or an exact name. */
import type { Detector, Paginated } from '@intellioptics/schema';
import type { CloudClient } from '../cloud.client';
import { CliError } from '../errors';

export async function resolveDetector(cloud: CloudClient, ref: string): Promise<Detector> {
  if (/^det_[A-Za-z0-9]+$/.test(ref)) return cloud.rest<Detector>('GET', `/v1/detectors/${ref}`);
  const page = await cloud.rest<Paginated<Detector>>('GET', '/v1/detectors', { query: { name: ref } });
  const found = page.results[0];
  if (!found) throw new CliError(`No detector is named ${JSON.stringify(ref)}: see io detectors list.`);
  return found;
}

/** Every page of a paginated REST list. */
export async function allPages<T>(
  cloud: CloudClient,
  path: string,
  query: Record<string, string> = {},
): Promise<T[]> {
  const out: T[] = [];
  for (let page = 1; ; page++) {
    const body = await cloud.rest<Paginated<T>>('GET', path, { query: { ...query, page, page_size: 100 } });
    out.push(...body.results);
    if (!body.next || body.results.length === 0) return out;
  }
}
