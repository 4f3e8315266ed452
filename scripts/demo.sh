#!/usr/bin/env bash
# scripts/demo.sh — installs what is missing, builds and installs the
# extension, and runs the demo (scripts/demo.sql) on a throwaway cluster
# with the library preloaded. The cluster is removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_packages
build_and_install
pg_virtualenv -t -o shared_preload_libraries=migration_helpers psql -X -f "$PWD/scripts/demo.sql"
