#!/usr/bin/env bash
# Installs the real Prometheus Alertmanager (Debian package) for the slow Alertmanager tests.
# Idempotent: does nothing when an Alertmanager binary is already on PATH. Debian names it
# `prometheus-alertmanager`; upstream tarballs name it `alertmanager`; the tests accept both.
set -euo pipefail

for name in prometheus-alertmanager alertmanager; do
    if command -v "$name" >/dev/null 2>&1; then
        echo "alertmanager already installed: $(command -v "$name")"
        exit 0
    fi
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
# --no-install-recommends: the tests need only the binary, not the web UI assets or services.
$SUDO apt-get install -y --no-install-recommends prometheus-alertmanager
# The package ships a systemd unit; the tests start their own loopback instance instead.
command -v prometheus-alertmanager
