/**
 * The mark on answers the cloud must never see (a detector whose preset forbids the cloud: its 503, or a 400 for
 * an option it cannot honour). nginx returns them as they are instead of replaying them to the cloud; it
 * discards the body of an intercepted response, so the body is repeated in a header (see nginx/README.md).
 */
export const EDGE_ONLY_HEADER = 'X-IO-Edge-Only';
export const EDGE_ONLY_BODY_HEADER = 'X-IO-Edge-Only-Body';

/** The errors that carry the mark. */
export function isEdgeOnly(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'edgeOnly' in err && err.edgeOnly === true;
}

/** The mark, and the body as ASCII-escaped JSON for nginx. */
export function edgeOnlyHeaders(json: string): Record<string, string> {
  const ascii = json.replace(
    /[\u007f-\uffff]/g,
    (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
  );
  return { [EDGE_ONLY_HEADER]: '1', [EDGE_ONLY_BODY_HEADER]: ascii };
}
