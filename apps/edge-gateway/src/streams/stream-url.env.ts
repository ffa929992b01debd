/**
 * Which environment variables a stream URL may use as `${NAME}`: only names listed in STREAM_URL_ENV_ALLOWLIST
 * (none by default), and never in the host part, so an edge-config.yaml writer cannot make the edge send its
 * own secrets (EDGE_API_TOKEN…) to a host of their choosing. `streamUrlEnv` answers the environment the
 * expansion may read, or the configuration problem to show as the stream's error.
 */
const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export type StreamUrlEnv =
  { ok: true; env: Readonly<Record<string, string | undefined>> } | { ok: false; problem: string };

/** The names used as `${NAME}` in `template`, in order, once each. */
function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/** The host[:port] of a URL template (after the user info), or '' when it has no authority. */
export function hostPart(template: string): string {
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(template)?.[1] ?? '';
  const at = authority.lastIndexOf('@');
  return at >= 0 ? authority.slice(at + 1) : authority;
}

/** The problems of every stream URL in a config (for PUT /edge-config's 400 and reload refusals). */
export function streamUrlProblems(
  streams: Readonly<Record<string, { url: string }>> | undefined,
  allowlist: readonly string[],
): { path: string; message: string }[] {
  return Object.entries(streams ?? {}).flatMap(([name, s]) => {
    const r = streamUrlEnv(s.url, {}, allowlist);
    return r.ok ? [] : [{ path: `streams.${name}.url`, message: r.problem }];
  });
}

export function streamUrlEnv(
  template: string,
  env: Readonly<Record<string, string | undefined>>,
  allowlist: readonly string[],
): StreamUrlEnv {
  const inHost = placeholders(hostPart(template));
  if (inHost.length > 0) {
    return {
      ok: false,
      problem: `\${${inHost[0]}} may not be used in the host part of a stream URL; write the host out`,
    };
  }
  const names = placeholders(template);
  const refused = names.filter((n) => !allowlist.includes(n));
  if (refused.length > 0) {
    return {
      ok: false,
      problem: `environment variable(s) not allowed in stream URLs: ${refused.join(', ')} (list them in STREAM_URL_ENV_ALLOWLIST)`,
    };
  }
  return { ok: true, env: Object.fromEntries(names.map((n) => [n, env[n]])) };
}
