#!/usr/bin/env bash
# Installs what the browser tests need, once: Debian's Chromium (the tests drive it with
# Playwright through executable_path; Playwright's own browser download cannot work here)
# and axe-core from the npm registry. Prints "CHROMIUM=<path>" and "AXE=<path>".
set -euo pipefail
cache="${KUULTU_CACHE:-$HOME/.cache/kuultu}"
axe_version="4.11.4"

chromium="$(command -v chromium || true)"
if [[ -z "$chromium" ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "installing chromium from Debian (once)..." >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
    chromium="$(command -v chromium)"
  else
    echo "chromium is missing: install Debian's package 'chromium' (apt-get install chromium)" >&2
    exit 1
  fi
fi

axe="$cache/npm/axe-$axe_version/node_modules/axe-core/axe.min.js"
if [[ ! -f "$axe" ]]; then
  command -v npm >/dev/null || { echo "npm is missing: it fetches axe-core" >&2; exit 1; }
  mkdir -p "$cache/npm/axe-$axe_version"
  npm install --silent --no-audit --no-fund --prefix "$cache/npm/axe-$axe_version" \
    "axe-core@$axe_version" >&2
fi
echo "CHROMIUM=$chromium"
echo "AXE=$axe"
