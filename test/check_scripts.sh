#!/usr/bin/env bash
# Lint of the extension's install and upgrade scripts (run by make test):
# no CREATE OR REPLACE, no IF NOT EXISTS, no SECURITY DEFINER, and every
# CREATE FUNCTION states its volatility and its parallel safety, and function
# bodies call common built-in functions only as pg_catalog.name(...), so a
# hostile search_path cannot swap them (a list of the usual suspects: SQL
# syntax such as COALESCE, GREATEST or EXTRACT cannot be hijacked).
set -uo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
status=0
for f in cxm--*.sql; do
	perl test/check_scripts.pl "$f" || status=1
done
exit $status
