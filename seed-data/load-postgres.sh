#!/usr/bin/env bash
# Load the demo databases into PostgreSQL.
#
#   seed-data/load-postgres.sh <host> <port> <user>
#
# Drops (if present) and re-creates the databases "erp" and "bank", then loads
# seed-data/postgres/erp.sql and seed-data/postgres/bank.sql with ON_ERROR_STOP.
# The password, if one is needed, comes from the usual libpq sources
# (PGPASSWORD, ~/.pgpass). Override the psql binary with PSQL=/path/to/psql.
set -euo pipefail

if [[ $# -ne 3 ]]; then
    echo "usage: $0 <host> <port> <user>" >&2
    exit 2
fi

host=$1
port=$2
user=$3
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
psql_bin=${PSQL:-psql}

run_psql() {
    "$psql_bin" -X -q -v ON_ERROR_STOP=1 -h "$host" -p "$port" -U "$user" "$@"
}

for db in erp bank; do
    echo "[$db] re-creating database"
    run_psql -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
    run_psql -d postgres -c "CREATE DATABASE $db TEMPLATE template0 ENCODING 'UTF8'"
    echo "[$db] loading $here/postgres/$db.sql"
    start=$(date +%s)
    run_psql -d "$db" -f "$here/postgres/$db.sql"
    echo "[$db] loaded in $(( $(date +%s) - start )) s"
done
echo "done"
