#!/usr/bin/env bash
# Installs, when missing, what building and testing cxm needs on Debian 12:
# the PostgreSQL 15 server and its headers (PGXS), a C compiler and make.
# Extra Debian package names can be given as arguments (make bench uses this).
set -euo pipefail

pkgs=()
# pgxs.mk ships with the client package: look for the server headers themselves
if ! command -v pg_config >/dev/null 2>&1 || [ ! -f "$(pg_config --pgxs 2>/dev/null)" ] ||
	[ ! -f "$(pg_config --includedir-server 2>/dev/null)/postgres.h" ]; then
	pkgs+=(postgresql-server-dev-15)
fi
[ -x /usr/lib/postgresql/15/bin/initdb ] || pkgs+=(postgresql-15)
command -v make >/dev/null 2>&1 || pkgs+=(make)
command -v cc >/dev/null 2>&1 || pkgs+=(gcc)
command -v runuser >/dev/null 2>&1 || pkgs+=(util-linux)
for p in "$@"; do
	dpkg -s "$p" >/dev/null 2>&1 || pkgs+=("$p")
done

[ ${#pkgs[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "cxm: missing packages: ${pkgs[*]} (run as root, or install them first)" >&2
	exit 1
fi
echo "cxm: installing ${pkgs[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
