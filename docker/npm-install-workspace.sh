#!/bin/sh
# Installs one workspace's dependencies from the committed lock (docker/Dockerfile's deps stages):
#   io-npm-install apps/<app>          production tree + the lock's tsx, onnxruntime-node pruned to this arch
#   io-npm-install apps/<app> --dev    with dev dependencies (build stages), nothing added or pruned
set -eu
ws="$1"
root="$(pwd)"
if [ "${2:-}" = "--dev" ]; then
  exec npm ci --include=dev --workspace="$ws" --no-audit --no-fund
fi
npm ci --omit=dev --workspace="$ws" --no-audit --no-fund
# tsx is a root devDependency: add exactly the version pinned in the lock, without touching package.json or the lock.
tsx="$(node -p "require('./package-lock.json').packages['node_modules/tsx'].version")"
npm install --no-save --omit=dev --workspace="$ws" --no-audit --no-fund "tsx@${tsx}"
# onnxruntime-node ships CPU binaries for every platform (288 MB): keep linux/<this arch> only (about 45 MB).
if [ -n "$(find "$root" -type d -path '*/node_modules/onnxruntime-node' -print -quit)" ]; then
  arch="$(node -p process.arch)"
  find "$root" -path '*/onnxruntime-node/bin/napi-v*/*/*' -prune -type d ! -path "*/linux/${arch}" -exec rm -rf {} +
  find "$root" -path '*/onnxruntime-node/bin/napi-v*/*' -prune -type d -empty -exec rmdir {} +
  if [ -z "$(find "$root" -path "*/onnxruntime-node/bin/napi-v*/linux/${arch}/onnxruntime_binding.node" -print -quit)" ]; then
    echo "io-npm-install: onnxruntime-node has no binary for linux/${arch}" >&2
    exit 1
  fi
fi
