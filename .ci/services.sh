#!/usr/bin/env bash
# Make sure the services and system packages the test suite needs are here and running.
# Safe to run again: it only acts on what is missing. Exits non-zero, loudly, when it cannot.
set -euo pipefail

say() { printf '[services] %s\n' "$*"; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

need_packages=()
command -v chromium >/dev/null 2>&1 || need_packages+=(chromium)
command -v npm >/dev/null 2>&1 || need_packages+=(npm)
command -v pg_isready >/dev/null 2>&1 || need_packages+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need_packages+=(redis-server)
# WeasyPrint (the subject-access PDF) needs Pango and a font.
for package in libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; do
  dpkg -s "$package" >/dev/null 2>&1 || need_packages+=("$package")
done
if [ "${BRUG_BENCH:-}" = 1 ]; then command -v wrk >/dev/null 2>&1 || need_packages+=(wrk); fi
if [ "${BRUG_TOPOLOGY:-}" = 1 ]; then command -v haproxy >/dev/null 2>&1 || need_packages+=(haproxy); fi
if [ ${#need_packages[@]} -gt 0 ]; then
  say "installing Debian packages: ${need_packages[*]}"
  as_root apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${need_packages[@]}" >/dev/null \
    || die "could not install ${need_packages[*]}"
fi

if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  say "starting PostgreSQL"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start \
    || die "could not start PostgreSQL"
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432 -q || die "PostgreSQL is not accepting connections on 127.0.0.1:5432"
psql -h 127.0.0.1 -U postgres -d postgres -tAc 'SELECT 1' >/dev/null \
  || die "cannot log in to PostgreSQL as postgres on 127.0.0.1 (trust auth expected)"

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  say "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || die "could not start Redis"
  for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
fi
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || die "Redis is not answering on 127.0.0.1:6379"
say "PostgreSQL, Redis and Chromium are ready"
