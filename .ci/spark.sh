#!/usr/bin/env bash
# A local Spark Connect server for tests/spark_connect.rs.
#
#   eval "$(bash .ci/spark.sh start)"   # prints the export lines the tests read
#   cargo test --test spark_connect
#   bash .ci/spark.sh stop
#
# pyspark (which ships the Connect server's jars) and the Python client's
# dependencies are installed once into a virtualenv outside the clone, and reused;
# the server runs on 127.0.0.1 only, with its warehouse, logs and pid file in a
# temporary directory that `stop` removes. Needs python3 and Java 17+.
set -euo pipefail

VENV="${PLAYBOOK_SPARK_VENV:-${HOME}/.cache/playbook/spark-venv}"
STATE="${TMPDIR:-/tmp}/playbook-spark-${USER:-$(id -u)}"
PY="$VENV/bin/python3"

skip() {
    echo "!!! .ci/spark.sh: SKIPPED Spark: $* !!!" >&2
    exit 1
}

install() {
    if ! "$PY" -c 'import pyspark.sql.connect.session, pandas, pyarrow, grpc' 2>/dev/null; then
        command -v python3 >/dev/null || skip "no python3"
        [ -x "$PY" ] || python3 -m venv "$VENV" >&2 || skip "cannot create a virtualenv in $VENV"
        "$PY" -m pip install --quiet --disable-pip-version-check 'pyspark[connect]' 'pandas<3' >&2 ||
            skip "pip cannot install pyspark[connect]"
    fi
}

# A port that is free now: 15002 (Spark Connect's default) when it is.
free_port() {
    "$PY" - <<'PY'
import socket
def free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return None
        return s.getsockname()[1]
print(free(15002) or free(0))
PY
}

start() {
    command -v java >/dev/null || skip "no java (Spark needs Java 17 or later)"
    install
    if [ -f "$STATE/url" ]; then
        skip "a server started by this script may still run ($(cat "$STATE/url")): run '$0 stop' first"
    fi
    spark_home="$("$PY" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')"
    [ -x "$spark_home/sbin/start-connect-server.sh" ] ||
        skip "this pyspark has no sbin/start-connect-server.sh (pip install pyspark, not only pyspark-client)"
    port="$(free_port)"
    mkdir -p "$STATE"
    url="sc://127.0.0.1:$port"
    export SPARK_HOME="$spark_home" SPARK_LOG_DIR="$STATE/logs" SPARK_PID_DIR="$STATE"
    (cd "$STATE" && "$spark_home/sbin/start-connect-server.sh" \
        --master "local[2]" \
        --conf spark.ui.enabled=false \
        --conf spark.connect.grpc.binding.address=127.0.0.1 \
        --conf spark.connect.grpc.binding.port="$port" \
        --conf spark.driver.host=127.0.0.1 \
        --conf spark.driver.bindAddress=127.0.0.1 \
        --conf spark.sql.warehouse.dir="$STATE/warehouse" \
        --driver-java-options "-Djava.io.tmpdir=$STATE" >&2) ||
        { stop_server; skip "start-connect-server.sh failed (logs in $STATE/logs)"; }
    echo "$url" >"$STATE/url"
    # Ready when a query answers, not merely when the port is open.
    if ! timeout 120 "$PY" - "$url" <<'PY' >&2; then
import sys, time
from pyspark.sql import SparkSession
deadline = time.time() + 115
while True:
    try:
        spark = SparkSession.builder.remote(sys.argv[1]).getOrCreate()
        spark.sql("SELECT 1").collect()
        break
    except Exception as e:
        if time.time() > deadline:
            sys.exit(f"no answer from {sys.argv[1]}: {str(e).splitlines()[0]}")
        time.sleep(1)
PY
        tail -n 20 "$STATE"/logs/*.out >&2 2>/dev/null || true
        stop_server
        skip "the Connect server did not answer a query within 120 s"
    fi
    echo "export PLAYBOOK_TEST_SPARK=$url"
    echo "export PLAYBOOK_PYTHON=$PY"
}

stop_server() {
    if [ -d "$STATE" ]; then
        spark_home="$("$PY" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))' 2>/dev/null)" || true
        if [ -n "${spark_home:-}" ]; then
            SPARK_HOME="$spark_home" SPARK_PID_DIR="$STATE" SPARK_LOG_DIR="$STATE/logs" \
                "$spark_home/sbin/stop-connect-server.sh" >&2 || true
        fi
        rm -rf "$STATE"
    fi
}

case "${1:-}" in
start) start ;;
stop) stop_server ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
