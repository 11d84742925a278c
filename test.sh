#!/usr/bin/env bash
# Runs every test, including the PostgreSQL, Redis, browser, npm-client and reverse-proxy tests, on a fresh machine:
# installs PostgreSQL, redis-server, mariadb-server, nginx, Chromium and Node.js (Debian/Ubuntu, apt) when they are missing, installs the npm
# clients of tests/clients (npm ci), then runs the solution's tests.
# The tests start their own throwaway PostgreSQL cluster, MariaDB server and Redis on free loopback ports (nothing is left running);
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
if ! command -v mariadbd >/dev/null 2>&1 && [[ ! -x /usr/sbin/mariadbd ]]; then
  missing+=(mariadb-server)
fi
if [[ ! -x /usr/sbin/nginx ]]; then
  missing+=(nginx)
fi
if ! command -v chromium >/dev/null 2>&1; then
  missing+=(chromium)
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "Installing what the integration tests need: ${missing[*]} ..."
  SUDO=""
  if [[ "$(id -u)" != "0" ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The independent OData clients the end-to-end tests drive (versions pinned by tests/clients/package-lock.json).
if [[ -f tests/clients/package-lock.json ]] && [[ ! -d tests/clients/node_modules || tests/clients/package-lock.json -nt tests/clients/node_modules ]]; then
  echo "Installing the npm clients of the end-to-end tests (npm ci in tests/clients) ..."
  npm ci --prefix tests/clients --no-audit --no-fund --loglevel=error
  touch tests/clients/node_modules
fi

dotnet test OData.Virtualization.sln "$@"
