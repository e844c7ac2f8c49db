#!/usr/bin/env bash
# The restore drill: prove that the newest backup restores, without touching the
# live database.
#
#   ktpe-restore-drill.sh [DUMP]
#
# Restores DUMP (default: the newest ktpe-*.dump in $KTPE_BACKUP_DIR) into a
# scratch database on the same PostgreSQL server, checks it (the schema's
# migration revision, and the counts of schools, students, devices and events),
# prints those figures and drops the scratch database again. Exit status 0 only
# when every step worked. Needs a role that may create databases (run it as the
# postgres user, or give the ktpe role CREATEDB):
#
#   KTPE_DRILL_ADMIN_URL  the server to restore into, as a role with CREATEDB
#                         (default: $KTPE_SERVER_DB with its database name replaced)
#   KTPE_BACKUP_DIR       where the dumps are (default /var/backups/ktpe)
#
# Run it once a month and after every change to the server (docs/operations.md).
set -euo pipefail

dir="${KTPE_BACKUP_DIR:-/var/backups/ktpe}"
dump="${1:-$(find "$dir" -maxdepth 1 -name 'ktpe-*.dump' -printf '%p\n' | sort -r | head -n1)}"
[[ -n "$dump" && -f "$dump" ]] || { echo "restore drill: no dump found in $dir" >&2; exit 2; }

admin="${KTPE_DRILL_ADMIN_URL:-${KTPE_SERVER_DB:?set KTPE_DRILL_ADMIN_URL or KTPE_SERVER_DB}}"
admin="${admin/postgresql+psycopg:\/\//postgresql://}"
admin="${admin/postgres:\/\//postgresql://}"
base="${admin%/*}"                      # postgresql://user:pw@host:port
query=""
[[ "$admin" == *\?* ]] && query="?${admin#*\?}"
scratch="ktpe_drill_$(date -u +%Y%m%d%H%M%S)_$$"
drill_url="$base/$scratch$query"
maint_url="$base/postgres$query"

cleanup() { psql -X -q -d "$maint_url" -c "DROP DATABASE IF EXISTS \"$scratch\"" >/dev/null 2>&1 || true; }
trap cleanup EXIT

echo "restore drill: $dump -> scratch database $scratch"
psql -X -q -v ON_ERROR_STOP=1 -d "$maint_url" -c "CREATE DATABASE \"$scratch\""
pg_restore --exit-on-error --no-owner --no-privileges --dbname="$drill_url" "$dump"

q() { psql -X -A -t -v ON_ERROR_STOP=1 -d "$drill_url" -c "$1"; }
revision="$(q 'SELECT version_num FROM alembic_version')"
[[ -n "$revision" ]] || { echo "restore drill: no migration revision in the dump" >&2; exit 1; }
echo "schema revision: $revision"
for table in school student device event; do
  echo "$table: $(q "SELECT count(*) FROM $table")"
done
echo "restore drill: OK"
