/**
 * Credentials never reach a log line or a status object. URLs are shown with their user info and query replaced
 * by `***`; ffmpeg's messages (which quote the URL it was given) pass through a redactor that also knows the
 * secret values themselves.
 */

const URL_WITH_USERINFO = /\b(rtsps?|https?):\/\/[^\s/@]*@/gi;
const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** `rtsp://${U}:${P}@cam:554/live?token=x` → `rtsp://***@cam:554/live?***`. */
export function redactUrl(url: string): string {
  const scheme = url.indexOf('://');
  if (scheme < 0) return url.replace(URL_WITH_USERINFO, '$1://***@');
  const rest = url.slice(scheme + 3);
  const slash = rest.search(/[/?#]/);
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  let tail = slash < 0 ? '' : rest.slice(slash);
  const at = authority.lastIndexOf('@');
  const host = at >= 0 ? `***@${authority.slice(at + 1)}` : authority;
  const q = tail.indexOf('?');
  if (q >= 0) tail = `${tail.slice(0, q)}?***`;
  return `${url.slice(0, scheme + 3)}${host}${tail}`;
}

/** Names of the env placeholders in the user info or the query of a URL template: those values are secret. */
export function secretPlaceholders(template: string): string[] {
  const scheme = template.indexOf('://');
  const rest = scheme < 0 ? template : template.slice(scheme + 3);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  const userInfo = at >= 0 ? authority.slice(0, at) : '';
  const q = rest.indexOf('?');
  const query = q >= 0 ? rest.slice(q) : '';
  return [...`${userInfo} ${query}`.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

export type Redactor = (text: string) => string;

/** Replaces every given secret (raw and URL-encoded) and any URL user info in a text. */
export function makeRedactor(secrets: readonly string[]): Redactor {
  const values = new Set<string>();
  for (const s of secrets) {
    if (s.length < 3) continue; // too short to replace without mangling unrelated text
    values.add(s);
    values.add(encodeURIComponent(s));
  }
  const ordered = [...values].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text.replace(URL_WITH_USERINFO, '$1://***@');
    for (const v of ordered) out = out.split(v).join('***');
    return out;
  };
}
