#!/usr/bin/env bash
# A throwaway local Spark Connect server for the warehouse tests.
#
#   eval "$(.ci/spark.sh start)"   # sets PLAYBOOK_TEST_SPARK
#   .ci/spark.sh stop
#
# `start` installs pyspark with its Connect client from PyPI when missing (the
# server's jars ship in the package), and starts the server on 127.0.0.1 with its
# logs, metastore and tables in a temporary directory; the only thing on stdout is
# the `export` line. A server already answering on the port is reused (and left
# running by `stop`). When no server can start it says so loudly on stderr and exits
# non-zero, so CI can skip those tests visibly. The tests load through the same
# Python client (tests/common/spark_load.py).
set -euo pipefail

PORT="${PLAYBOOK_SPARK_PORT:-15002}"
PYTHON="${PLAYBOOK_TEST_PYTHON:-python3}"
STATE="${TMPDIR:-/tmp}/playbook-ci-spark-${PORT}.state"
URL="sc://127.0.0.1:${PORT}"

skip() {
    echo "!!! .ci/spark.sh: SKIPPED Spark: $* !!!" >&2
    exit 1
}

port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}

# Whether a Spark Connect server on PORT runs a query.
answers() {
    port_open && timeout 60 "$PYTHON" -c "
from pyspark.sql import SparkSession
SparkSession.builder.remote('$URL').getOrCreate().sql('SELECT 1').collect()
" >/dev/null 2>&1
}

install_pyspark() {
    "$PYTHON" -c 'import pyspark.sql.connect.session' >/dev/null 2>&1 && return 0
    command -v "$PYTHON" >/dev/null || skip "no $PYTHON"
    echo ".ci/spark.sh: installing pyspark from PyPI" >&2
    "$PYTHON" -m pip install -q 'pyspark[connect]' 'pandas<3' >/dev/null 2>&1 ||
        skip "pip install 'pyspark[connect]' failed"
    "$PYTHON" -c 'import pyspark.sql.connect.session' >/dev/null 2>&1 ||
        skip "pyspark installed but its Connect client does not import"
}

start() {
    install_pyspark
    if answers; then
        echo ".ci/spark.sh: reusing the Spark Connect server on port $PORT" >&2
        echo "export PLAYBOOK_TEST_SPARK=$URL"
        return 0
    fi
    port_open && skip "port $PORT is taken by something that is not a working Spark Connect server"
    stop
    command -v java >/dev/null || skip "no java (Spark needs a JRE 17 or newer)"

    local home dir
    home="$("$PYTHON" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')"
    dir="$(mktemp -d "${TMPDIR:-/tmp}/playbook-spark.XXXXXX")"
    echo "$dir" >"$STATE"
    # The server keeps its metastore and tables in its working directory: the temp one.
    (
        cd "$dir"
        SPARK_HOME="$home" SPARK_LOG_DIR="$dir/logs" SPARK_PID_DIR="$dir" \
            "$home/sbin/start-connect-server.sh" --master "local[2]" \
            --conf spark.ui.enabled=false \
            --conf spark.connect.grpc.binding.address=127.0.0.1 \
            --conf "spark.connect.grpc.binding.port=$PORT" \
            --conf spark.driver.host=127.0.0.1 \
            --conf spark.driver.bindAddress=127.0.0.1 \
            --conf "spark.sql.warehouse.dir=$dir/warehouse" >/dev/null 2>&1
    ) || skip "start-connect-server.sh failed"

    local waited=0
    until port_open; do
        sleep 2
        waited=$((waited + 2))
        [ "$waited" -lt 120 ] ||
            skip "no server on port $PORT after 120 s: $(tail -3 "$dir"/logs/*.out 2>/dev/null | tr '\n' ' ')"
    done
    answers || skip "the server does not run queries: $(tail -3 "$dir"/logs/*.out 2>/dev/null | tr '\n' ' ')"
    echo ".ci/spark.sh: Spark Connect on 127.0.0.1:$PORT, files in $dir" >&2
    echo "export PLAYBOOK_TEST_SPARK=$URL"
}

stop() {
    [ -f "$STATE" ] || return 0
    local dir home
    dir="$(cat "$STATE")"
    home="$("$PYTHON" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))' 2>/dev/null || true)"
    if [ -n "$home" ] && [ -d "$dir" ]; then
        SPARK_HOME="$home" SPARK_LOG_DIR="$dir/logs" SPARK_PID_DIR="$dir" \
            "$home/sbin/stop-connect-server.sh" >/dev/null 2>&1 || true
    fi
    # Only ever a directory this script made (mktemp's prefix), never a path from elsewhere.
    case "$dir" in
    */playbook-spark.*) rm -rf "$dir" ;;
    esac
    rm -f "$STATE"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
