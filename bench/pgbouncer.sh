#!/usr/bin/env bash
# PgBouncer (Debian's: apt-get install pgbouncer) in front of a PostgreSQL
# database for the bench, in transaction mode, run as our own process (not the
# system service), with its files in one folder under /tmp.
#
#   bench/pgbouncer.sh start DATABASE_URL [PORT]   prints the URL to use through it
#   bench/pgbouncer.sh stop [PORT]                 stops the one it started (by its PID)
#
#   url=$(bench/pgbouncer.sh start "$DATABASE_URL" 6432)
#   DATABASE_URL=$url DUBAN_DB_POOLER=pgbouncer .venv/bin/python bench/load.py
#   bench/pgbouncer.sh stop 6432
#
# PORT: 6432 unless given. POOL_SIZE: server connections per database and user
# (default 8). PGBOUNCER_USER: whom it runs as when started by root (it refuses
# to run as root; default postgres). The password in the URL is written to the
# folder's userlist.txt (readable by its owner only) for PgBouncer to answer
# the clients' SCRAM and to sign in to PostgreSQL with.
#
# PgBouncer passes no connection options, so duban's `-c jit=off` does not
# reach the server through it: set it on the role once (ALTER ROLE <user> SET
# jit = off); `start` says so when the server still has it on.
set -euo pipefail

command=${1:-}
case "$command" in
start)
    url=${2:?"usage: $0 start DATABASE_URL [PORT]"}
    port=${3:-6432}
    ;;
stop)
    port=${2:-6432}
    ;;
*)
    echo "usage: $0 start DATABASE_URL [PORT] | $0 stop [PORT]" >&2
    exit 2
    ;;
esac
dir=${PGBOUNCER_DIR:-/tmp/duban-pgbouncer-$port}

if [ "$command" = stop ]; then
    pidfile=$dir/pgbouncer.pid
    [ -s "$pidfile" ] || { echo "no PgBouncer started on port $port ($pidfile)" >&2; exit 1; }
    pid=$(cat "$pidfile")
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = pgbouncer ]; then
        kill "$pid"
        for _ in $(seq 50); do [ -e "/proc/$pid" ] || break; sleep 0.1; done
        echo "stopped PgBouncer $pid (port $port)" >&2
    else
        echo "PID $pid is not a PgBouncer any more; nothing stopped" >&2
    fi
    rm -f "$pidfile"
    exit 0
fi

command -v pgbouncer >/dev/null || { echo "pgbouncer is not installed (apt-get install pgbouncer)" >&2; exit 1; }
# The URL's parts, percent-decoded: user, password, host, port, database.
read -r user password host dbport dbname < <(python3 - "$url" <<'EOF'
import sys
from urllib.parse import unquote, urlsplit

u = urlsplit(sys.argv[1])
if u.scheme not in ("postgres", "postgresql", "pgsql"):
    sys.exit(f"not a PostgreSQL URL: {u.scheme}://")
parts = [u.username, u.password, u.hostname or "127.0.0.1", str(u.port or 5432), u.path.lstrip("/")]
if not all(parts):
    sys.exit("the URL needs a user, a password and a database: postgres://user:pw@host:port/db")
if any(c.isspace() or c == '"' for p in parts for c in unquote(p)):
    sys.exit("spaces and double quotes in the URL's parts are not supported here")
print(*(unquote(p) for p in parts))
EOF
)
mkdir -p "$dir"
chmod 700 "$dir"
cat > "$dir/pgbouncer.ini" <<EOF
[databases]
$dbname = host=$host port=$dbport dbname=$dbname

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = ${POOL_SIZE:-8}
max_client_conn = 500
; Django sends none of these at connection start but psycopg may; ignore rather than refuse.
ignore_startup_parameters = extra_float_digits
; In transaction mode a server connection is handed on after each transaction: nothing to reset.
server_reset_query =
; Idle server connections close after 15 s (the default is 600 s), so that a
; run straight to PostgreSQL after a pooled one does not count them as its own.
server_idle_timeout = 15
pidfile = $dir/pgbouncer.pid
logfile = $dir/pgbouncer.log
EOF
printf '"%s" "%s"\n' "$user" "$password" > "$dir/userlist.txt"
chmod 600 "$dir/userlist.txt" "$dir/pgbouncer.ini"
as=()
if [ "$(id -u)" = 0 ]; then
    chown -R "${PGBOUNCER_USER:-postgres}" "$dir"
    as=(-u "${PGBOUNCER_USER:-postgres}")
fi
pgbouncer -d "${as[@]}" "$dir/pgbouncer.ini"
for _ in $(seq 50); do [ -s "$dir/pgbouncer.pid" ] && break; sleep 0.1; done
[ -s "$dir/pgbouncer.pid" ] || { echo "PgBouncer did not start: see $dir/pgbouncer.log" >&2; exit 1; }
pooled="postgres://${url#*://}"
pooled="${pooled%%@*}@127.0.0.1:$port/${pooled#*@*/}"
echo "PgBouncer $(cat "$dir/pgbouncer.pid") on 127.0.0.1:$port -> $host:$dbport/$dbname (transaction mode)" >&2
if command -v psql >/dev/null; then
    jit=$(psql "$pooled" -Atc "show jit" 2>/dev/null || echo "?")
    if [ "$jit" != off ]; then
        echo "the server has jit=$jit for $user: ALTER ROLE \"$user\" SET jit = off (duban's own option does not pass PgBouncer)" >&2
    fi
fi
echo "$pooled"
