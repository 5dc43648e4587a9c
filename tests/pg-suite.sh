#!/usr/bin/env bash
# Runs one bats file against PostgreSQL (meson's "pg" suite): against the
# server JOBQ_PG_SERVER names (a libpq conninfo: .ci/run starts one for
# every file), or else a private server of its own, stopped at the end.
# The tests see it in JOBQ_TEST_DB, and each gets a schema of its own
# (helper.bash).  Tests named "[spool] ..." are about the spool's own
# SQLite database, and are not run here.
set -uo pipefail
[ $# -eq 1 ] || { echo "usage: pg-suite.sh FILE.bats" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
JOBQ_TEST_DB=${JOBQ_PG_SERVER:-}
if [ -z "$JOBQ_TEST_DB" ]; then
	dir=$(mktemp -d "${TMPDIR:-/tmp}/jobq-pg.XXXXXX")
	trap '"$here/pgserver.sh" stop "$dir"; rm -rf "$dir"' EXIT
	JOBQ_TEST_DB=$("$here/pgserver.sh" start "$dir") || exit 1
fi
export JOBQ_TEST_DB
bats --tap --filter '^[^[]' "$1"
