#!/bin/sh
# Runs before the official image's 20-envsubst-on-templates.sh: every ${NAME} a template references must be
# set and non-empty, otherwise the container stops with one clear message (envsubst would leave the
# placeholder in place and nginx would fail later with a confusing error). Same rule as tools/render-nginx.ts.
set -eu
dir="${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}"
[ -d "$dir" ] || exit 0
missing=""
for name in $(cat "$dir"/*.template 2>/dev/null | grep -o '\${[A-Z_][A-Z0-9_]*}' | tr -d '${}' | sort -u); do
  eval "value=\${$name:-}"
  if [ -z "$value" ]; then missing="$missing $name"; fi
done
if [ -n "$missing" ]; then
  echo "intellioptics nginx: required environment variable(s) not set:$missing (see docker/*.env.template)" >&2
  exit 1
fi
