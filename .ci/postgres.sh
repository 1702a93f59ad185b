#!/usr/bin/env bash
# Makes sure the local Postgres (127.0.0.1:5432, trust auth) that the
# internal/store tests use is accepting connections: starts the Debian
# cluster if it is down, then waits for it. The tests create (and drop) their
# own scratch database on it; RTKBOT_TEST_POSTGRES_URL points them elsewhere.
#
#   bash .ci/postgres.sh && CI=true go test ./internal/store/
set -euo pipefail

host=127.0.0.1
port=5432

if pg_isready -q -h "$host" -p "$port"; then
  exit 0
fi

# pg_lsclusters: "version cluster port status owner datadir logfile".
read -r version cluster < <(pg_lsclusters --no-header | awk -v p="$port" '$3 == p { print $1, $2; exit }')
if [ -z "${version:-}" ]; then
  echo "postgres.sh: no Postgres cluster configured on port $port (pg_lsclusters)" >&2
  exit 1
fi
echo "postgres.sh: starting Postgres $version/$cluster" >&2
pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start || true

for _ in $(seq 1 60); do
  if pg_isready -q -h "$host" -p "$port"; then
    exit 0
  fi
  sleep 0.5
done
echo "postgres.sh: Postgres did not accept connections on $host:$port within 30s" >&2
pg_lsclusters >&2 || true
exit 1
