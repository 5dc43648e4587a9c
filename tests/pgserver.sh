#!/usr/bin/env bash
# A private PostgreSQL server for the tests: `pgserver.sh start DIR`
# makes a cluster in DIR (initdb, trust on its Unix socket only, no TCP)
# as an unprivileged user, starts it and prints the libpq keyword string
# that reaches it; `pgserver.sh stop DIR` stops it; `pgserver.sh restart
# DIR` restarts it (fast shutdown: what a server restart under load is).
set -euo pipefail

usage() { echo "usage: pgserver.sh start|stop|restart DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1 dir=$2

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bindir/initdb" ] || { echo "pgserver.sh: PostgreSQL is not installed" >&2; exit 69; }

# The server refuses to run as root: run it as postgres (Debian's
# package makes that user), or as whoever we are.
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

conninfo() { echo "host=$dir/run user=jobq dbname=jobq"; }

case $cmd in
start)
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	[ "$(id -u)" -ne 0 ] || chown postgres: "$dir"
	as_owner mkdir -p "$dir/run"
	as_owner "$bindir/initdb" -D "$dir/data" -U jobq --auth=trust \
		--no-sync -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	# fsync stays on: the tests check what survives a restart.
	as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
		-o "-c listen_addresses='' -c unix_socket_directories='$dir/run' -c max_connections=200 -c shared_buffers=32MB" \
		start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
	as_owner "$bindir/createdb" -h "$dir/run" -U jobq jobq
	# Anyone may reach the socket (the tests run commands as a second
	# user too); trust is only for this private, socket-only server.
	chmod 0755 "$dir" "$dir/run"
	conninfo
	;;
stop)
	[ -d "$dir/data" ] || exit 0
	as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	;;
restart)
	as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w \
		restart >/dev/null
	;;
*)
	usage
	;;
esac
