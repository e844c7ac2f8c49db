#!/usr/bin/env bash
# Install the Linux one-folder build system-wide (as root), or uninstall it.
#
#   release/linux/install.sh [DIST_FOLDER]     # default dist/ktpe-desktop
#   release/linux/install.sh --uninstall
#
# The app goes to /opt/ktpe-jemput-bola, the menu entry and icon to the freedesktop
# places. Each user's data folder (~/.local/share/ktpe-jemput-bola) is never touched.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
prefix="${KTPE_PREFIX:-/opt/ktpe-jemput-bola}"
apps="${KTPE_APPS_DIR:-/usr/share/applications}"
icons="${KTPE_ICONS_DIR:-/usr/share/icons/hicolor}"

if [[ "${1:-}" == "--uninstall" ]]; then
  rm -rf -- "$prefix"
  rm -f -- "$apps/ktpe-jemput-bola.desktop" "$icons/256x256/apps/ktpe-jemput-bola.png" \
    "$icons/scalable/apps/ktpe-jemput-bola.svg"
  echo "uninstalled (the users' data folders are kept)"
  exit 0
fi

dist="${1:-$root/dist/ktpe-desktop}"
[[ -x "$dist/ktpe-desktop" ]] || { echo "no build in $dist: run make build" >&2; exit 1; }
"$dist/ktpe-desktop" --version >/dev/null
rm -rf -- "$prefix.new"
mkdir -p "$(dirname "$prefix")"
cp -a "$dist" "$prefix.new"
rm -rf -- "$prefix"
mv "$prefix.new" "$prefix"
install -Dm644 "$root/ktpe_desktop/resources/icons/ktpe.png" "$icons/256x256/apps/ktpe-jemput-bola.png"
install -Dm644 "$root/ktpe_desktop/resources/icons/ktpe.svg" "$icons/scalable/apps/ktpe-jemput-bola.svg"
mkdir -p "$apps"
sed "s#/opt/ktpe-jemput-bola#$prefix#g" "$here/ktpe-jemput-bola.desktop" > "$apps/ktpe-jemput-bola.desktop.new"
chmod 644 "$apps/ktpe-jemput-bola.desktop.new"
mv "$apps/ktpe-jemput-bola.desktop.new" "$apps/ktpe-jemput-bola.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$apps" || true
echo "installed in $prefix; menu entry: KTP-el Jemput Bola"
