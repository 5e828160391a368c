#!/usr/bin/env bash
# Installs the Debian packages the tests and tools need when they are missing: Chromium (browser tests, driven by
# playwright-core; never a downloaded browser) and poppler-utils (pdftoppm renders scorecard pages to PNG).
# Needs root (CI and the dev machines run as root); elsewhere it says what to install and exits non-zero.
set -uo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
# pgvector for the local PostgreSQL (grounding's dense vectors): installed where apt has the package (Debian bookworm
# main has none); without it the PostgreSQL grounding tests assert the documented full-text fallback instead (PGlite
# always has pgvector). A fresh machine may have empty package lists: read them first, so the check can find it.
if [ "$(id -u)" -eq 0 ] && ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
fi
for dir in /usr/share/postgresql/*/; do
  [ -d "$dir" ] || continue
  ver=$(basename "$dir")
  if [ -d "/usr/lib/postgresql/$ver" ] && [ ! -f "${dir}extension/vector.control" ] && apt-cache show "postgresql-$ver-pgvector" >/dev/null 2>&1; then
    need+=("postgresql-$ver-pgvector")
  fi
done
if [ ${#need[@]} -eq 0 ]; then echo "packages: chromium and poppler-utils present"; exit 0; fi

echo "packages: installing ${need[*]}"
if [ "$(id -u)" -ne 0 ]; then echo "packages: not root; run: sudo apt-get install -y ${need[*]}" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
for cmd in chromium pdftoppm; do command -v "$cmd" >/dev/null || { echo "packages: $cmd still missing" >&2; exit 1; }; done
echo "packages: installed ${need[*]}"
