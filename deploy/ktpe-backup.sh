#!/usr/bin/env bash
# One backup of the central server's PostgreSQL database, then rotation.
#
#   KTPE_SERVER_DB   the server's database URL (postgresql+psycopg://… or postgresql://…)
#   KTPE_BACKUP_DIR  where the dumps go (default /var/backups/ktpe)
#   KTPE_BACKUP_KEEP_DAILY    newest dumps kept (default 14)
#   KTPE_BACKUP_KEEP_MONTHLY  besides those, the first dump of each month, for this
#                             many months (default 12)
#
# A dump is written as <name>.partial, checked with pg_restore --list, then renamed:
# a dump that exists is complete. Copy the folder off the server too (rsync, a USB
# disk): a backup on the same disk does not survive that disk. Test the dumps with
# ktpe-restore-drill.sh (docs/operations.md, "Backups and the restore drill").
set -euo pipefail
umask 077

url="${KTPE_SERVER_DB:?KTPE_SERVER_DB is not set}"
url="${url/postgresql+psycopg:\/\//postgresql://}"
url="${url/postgres:\/\//postgresql://}"
dir="${KTPE_BACKUP_DIR:-/var/backups/ktpe}"
keep_daily="${KTPE_BACKUP_KEEP_DAILY:-14}"
keep_monthly="${KTPE_BACKUP_KEEP_MONTHLY:-12}"

mkdir -p "$dir"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
final="$dir/ktpe-$stamp.dump"
partial="$final.partial"
trap 'rm -f "$partial"' EXIT

pg_dump --format=custom --compress=6 --no-owner --file="$partial" "$url"
pg_restore --list "$partial" > /dev/null    # a readable archive, or we fail here
mv "$partial" "$final"
trap - EXIT
echo "backup written: $final ($(du -h "$final" | cut -f1))"

# Rotation: the newest $keep_daily dumps, plus the oldest dump of each of the last
# $keep_monthly months; everything else goes. Names sort by time.
mapfile -t dumps < <(find "$dir" -maxdepth 1 -name 'ktpe-*.dump' -printf '%f\n' | sort -r)
declare -A keep=()
for name in "${dumps[@]:0:$keep_daily}"; do keep[$name]=1; done
declare -A month_first=()
for name in "${dumps[@]}"; do month_first[${name:5:6}]=$name; done   # sorted newest first
months=0
for month in $(printf '%s\n' "${!month_first[@]}" | sort -r); do
  (( months < keep_monthly )) || break
  keep[${month_first[$month]}]=1
  months=$((months + 1))
done
for name in "${dumps[@]}"; do
  if [[ -z "${keep[$name]:-}" ]]; then
    rm -f -- "$dir/$name"
    echo "rotated out: $name"
  fi
done
