#!/usr/bin/env bash
# Installs and starts what the test suite talks to for real. Idempotent; needs root (or sudo)
# for apt. Each step says what it does so a failure is easy to place.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then $SUDO apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# PostgreSQL: the storage and crash tests run on it as well as on SQLite.
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "test-deps: starting PostgreSQL"
  if ! command -v pg_ctlcluster >/dev/null; then apt_install postgresql; fi
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi

# A real Prometheus Alertmanager for the Alertmanager tests.
if ! command -v alertmanager >/dev/null && [ ! -x /usr/bin/prometheus-alertmanager ]; then
  echo "test-deps: installing prometheus-alertmanager"
  apt_install prometheus-alertmanager
fi

# Headless Chromium to look at the web inbox as a browser shows it.
if ! command -v chromium >/dev/null; then
  echo "test-deps: installing chromium"
  apt_install chromium fonts-dejavu-core
fi

for extra in scripts/test-deps.d/*.sh; do
  [ -e "$extra" ] || continue
  echo "test-deps: $extra"
  bash "$extra"
done
echo "test-deps: ready"
