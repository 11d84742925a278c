#!/usr/bin/env bash
# Runs every test, including the PostgreSQL and Redis integration tests, on a fresh machine:
# installs PostgreSQL and redis-server (Debian/Ubuntu, apt) when they are missing, then runs the solution's tests.
# The tests start their own throwaway PostgreSQL cluster and Redis on free loopback ports (nothing is left running);
# set ODATA_TEST_POSTGRES to use an existing PostgreSQL server instead.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
if [[ -z "${ODATA_TEST_POSTGRES:-}" ]] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  missing+=(postgresql-15)
fi
if [[ ! -x /usr/bin/redis-server ]]; then
  missing+=(redis-server)
fi
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "Installing what the integration tests need: ${missing[*]} ..."
  SUDO=""
  if [[ "$(id -u)" != "0" ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

dotnet test OData.Virtualization.sln "$@"
