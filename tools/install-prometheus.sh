#!/usr/bin/env sh
# Install Prometheus and promtool from Debian's `prometheus` package when either is missing.
# Idempotent and quiet: does nothing when both are already on PATH. Needs root (or sudo) and
# access to Debian's package mirrors; the integration tests and `promtool` checks use it.
set -eu

if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo -n"
else
    echo "install-prometheus: need root (or sudo) to apt-get install prometheus" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# --no-install-recommends keeps it to the server and promtool; the package's postinst may try to
# start a service, which is harmless where there is no init system.
$SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null

command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || {
    echo "install-prometheus: prometheus/promtool still missing after apt-get" >&2
    exit 1
}
