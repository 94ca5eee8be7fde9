#!/usr/bin/env bash
# Installs the tools that render deploy/k8s (kustomize) into the project's tool
# cache and prints the path of the kustomize binary on its last line.
# Idempotent: a cached binary of the pinned version is reused.
#
# kustomize is built from source with the Go toolchain (the Go module proxy is
# the only place we may fetch it from; no prebuilt binaries are downloaded).
# v5.8.2 is the newest release whose go.mod asks for Go <= 1.26 (v5.8.3 needs 1.27).
set -euo pipefail

KUSTOMIZE_VERSION="${KUSTOMIZE_VERSION:-v5.8.2}"
CACHE="${KUULTU_CACHE:-$HOME/.cache/kuultu}"
BIN="$CACHE/bin"
KUSTOMIZE="$BIN/kustomize"
STAMP="$BIN/.kustomize-version"

mkdir -p "$BIN"

if [[ -x "$KUSTOMIZE" && -f "$STAMP" && "$(cat "$STAMP")" == "$KUSTOMIZE_VERSION" ]]; then
    echo "$KUSTOMIZE"
    exit 0
fi

if ! command -v go >/dev/null 2>&1; then
    echo "tools.sh: Go is needed to build kustomize $KUSTOMIZE_VERSION (not found on PATH)" >&2
    exit 1
fi

echo "tools.sh: building kustomize $KUSTOMIZE_VERSION with $(go version) (about a minute, once)" >&2
# Build outside the repository so the project's own go.mod files (if any) do not apply,
# and never switch toolchains behind our back.
(
    cd "$(mktemp -d)"
    GOBIN="$BIN" GOTOOLCHAIN=local \
        go install "sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}" >&2
)
"$KUSTOMIZE" version >&2
echo "$KUSTOMIZE_VERSION" > "$STAMP"
echo "$KUSTOMIZE"
