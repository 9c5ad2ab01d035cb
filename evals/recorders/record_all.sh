#!/usr/bin/env bash
# Re-record every recorded eval case (each script cleans up after itself).
set -euo pipefail
cd "$(dirname "$0")"
for s in etl_*.sh pgdump_*.sh af_*.sh; do
  echo "== $s"
  "./$s"
done
