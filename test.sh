#!/usr/bin/env bash
# Runs every test, including the PostgreSQL integration tests, on a fresh machine:
# installs PostgreSQL (Debian/Ubuntu, apt) when it is missing, then runs the solution's tests.
# The tests start their own throwaway PostgreSQL cluster; set ODATA_TEST_POSTGRES to use an existing server instead.
set -euo pipefail
cd "$(dirname "$0")"

if [[ -z "${ODATA_TEST_POSTGRES:-}" ]] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "PostgreSQL is not installed: installing postgresql-15 (needed by the integration tests)..."
  SUDO=""
  if [[ "$(id -u)" != "0" ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq postgresql-15 >/dev/null
fi

dotnet test OData.Virtualization.sln "$@"
