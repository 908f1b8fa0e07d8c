# The Spark Connect runner: playbook starts it as `python3 -c <this file>` and
# talks to it in JSON lines (src/data/remote/spark.rs documents the protocol).
# Requests come on stdin, one per line; every request gets exactly one final
# line, {"ok": ...} or {"error": {"kind": ..., "message": ...}}, and a query's
# rows come before it as {"rows": [[...], ...]} lines of at most `chunk` rows.
# Kept to what Python 3.8 parses, so that an old interpreter still gets as far
# as saying what is missing.
import sys

# `-c` puts the current directory first on sys.path: a stray pyspark.py there
# must not shadow the installed client.
sys.path = [p for p in sys.path if p not in ("", ".")]

import base64
import datetime
import decimal
import json
import logging
import math
import os
import socket

# The protocol owns file descriptor 1; anything else printed there (library
# warnings, C extensions) goes to stderr instead of corrupting it.
PROTO = os.fdopen(os.dup(1), "wb")
os.dup2(2, 1)
sys.stdout = sys.stderr
# Errors are reported to playbook with their messages; the client also logs each
# one with its Java stack trace, which only buries the message.
logging.disable(logging.CRITICAL)


def send(obj):
    PROTO.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    PROTO.write(b"\n")
    PROTO.flush()


def fail(kind, message):
    send({"error": {"kind": kind, "message": message}})


try:
    from pyspark.sql import SparkSession
    from pyspark.errors import AnalysisException
    import pyspark.sql.connect.session  # noqa: F401  (fails without the connect extras)
    import pyarrow
    import pyarrow.compute as pc
except Exception as e:  # ImportError, or a dependency's own error on import
    fail("client", "%s: %s" % (type(e).__name__, e))
    sys.exit(0)

try:
    from pyspark.sql.connect.client.retries import DefaultPolicy
except Exception:
    DefaultPolicy = None

try:
    from zoneinfo import ZoneInfo
except Exception:
    ZoneInfo = None

I64_MIN = -(2**63)
I64_MAX = 2**63 - 1
spark = None
zone = None


class Unsupported(Exception):
    pass


def message(e):
    # An error from Spark has an error class and says what is wrong in its first
    # lines (the Rust side keeps those). One from the transport prints as a gRPC
    # object's debug dump; its status code and details say it all.
    if condition(e) is None:
        rpc, depth = e, 0
        while rpc is not None and depth < 10:
            code, details = getattr(rpc, "code", None), getattr(rpc, "details", None)
            if callable(code) and callable(details):
                try:
                    return "%s: %s" % (getattr(code(), "name", code()), details())
                except Exception:
                    break
            rpc, depth = rpc.__cause__ or rpc.__context__, depth + 1
    return str(e).strip() or type(e).__name__


def condition(e):
    for name in ("getCondition", "getErrorClass"):
        get = getattr(e, name, None)
        if get is not None:
            try:
                return get()
            except Exception:
                pass
    return None


def check_int(v):
    if v < I64_MIN or v > I64_MAX:
        raise Unsupported("the integer %d does not fit in 64 bits" % v)
    return v


def float_cell(v):
    if math.isfinite(v):
        return v
    # JSON has no NaN or infinities.
    return {"f": "NaN" if v != v else ("Infinity" if v > 0 else "-Infinity")}


def time_text(v):
    if v.tzinfo is not None and zone is not None:
        v = v.astimezone(zone)
    text = v.strftime("%Y-%m-%d %H:%M:%S")
    if v.microsecond:
        # As Spark casts a timestamp to string: the fraction without trailing zeros.
        text += (".%06d" % v.microsecond).rstrip("0")
    return text


def jsonable(v):
    if isinstance(v, bool) or v is None or isinstance(v, (int, str)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    if isinstance(v, dict):
        return dict((str(k), jsonable(x)) for k, x in v.items())
    if isinstance(v, (list, tuple)):
        # Arrow gives a map as a list of (key, value) pairs.
        if v and all(isinstance(x, tuple) and len(x) == 2 for x in v):
            return dict((str(k), jsonable(x)) for k, x in v)
        return [jsonable(x) for x in v]
    if hasattr(v, "asDict"):  # a Row, on the Row path
        return jsonable(v.asDict(recursive=True))
    return scalar_text(v)


def scalar_text(v):
    if isinstance(v, decimal.Decimal):
        return format(v, "f")
    if isinstance(v, datetime.datetime):
        return time_text(v)
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(v)).decode("ascii")
    return str(v)


def cell(v):
    """Any value as a cell on the wire, dispatching on its Python type."""
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return check_int(v)
    if isinstance(v, float):
        return float_cell(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return {"b": base64.b64encode(bytes(v)).decode("ascii")}
    if isinstance(v, (list, tuple, dict)) or hasattr(v, "asDict"):
        return json.dumps(jsonable(v), ensure_ascii=False, separators=(",", ":"))
    return scalar_text(v)


def column_cells(array):
    """One Arrow column as cells: the types the SELECT lists produce need no
    per-value work; everything else goes through `cell`."""
    t = array.type
    values = array.to_pylist()
    if (pyarrow.types.is_signed_integer(t) or pyarrow.types.is_string(t)
            or pyarrow.types.is_large_string(t) or pyarrow.types.is_null(t)):
        return values
    if pyarrow.types.is_floating(t):
        finite = pc.all(pc.is_finite(array)).as_py()
        if finite is not False:
            return values
        return [None if v is None else float_cell(v) for v in values]
    if pyarrow.types.is_boolean(t):
        return [None if v is None else int(v) for v in values]
    if pyarrow.types.is_map(t):
        # Arrow gives a map as (key, value) pairs; Spark shows it as an object.
        return [None if v is None else cell(dict(v)) for v in values]
    if pyarrow.types.is_uint64(t):
        return [None if v is None else check_int(v) for v in values]
    return [cell(v) for v in values]


def connect(req):
    global spark, zone
    host, port = req["host"], req["port"]
    try:
        # Fails fast, where the gRPC client would retry for minutes.
        socket.create_connection((host, port), timeout=req["timeout"]).close()
    except socket.timeout:
        return fail("connect", "no answer within %s s" % req["timeout"])
    except OSError as e:
        return fail("connect", e.strerror or str(e))
    try:
        spark = SparkSession.builder.remote(req["url"]).getOrCreate()
        saved = None
        if DefaultPolicy is not None:
            saved = spark.client.get_retry_policies()
            spark.client.set_retry_policies([DefaultPolicy(max_retries=3, max_backoff=2000)])
        spark.conf.set("spark.sql.session.timeZone", req["timezone"])
        version = spark.version
        if saved is not None:
            spark.client.set_retry_policies(saved)
    except Exception as e:
        return fail("connect", message(e))
    if ZoneInfo is not None:
        try:
            zone = ZoneInfo(req["timezone"])
        except Exception:
            zone = None
    send({"ok": {"version": version}})


def columns(req):
    try:
        schema = spark.table(req["name"]).schema
    except AnalysisException as e:
        if condition(e) == "TABLE_OR_VIEW_NOT_FOUND":
            return send({"ok": {"columns": None}})
        return fail("query", message(e))
    except Exception as e:
        return fail("query", message(e))
    send({"ok": {"columns": [[f.name, f.dataType.simpleString()] for f in schema.fields]}})


def query(req):
    chunk = max(1, int(req.get("chunk", 1000)))
    count = 0
    try:
        df = spark.sql(req["sql"])
        client = spark.client
        if hasattr(client, "to_table_as_iterator") and hasattr(df._plan, "observations"):
            # Arrow batches as the server streams them, one at a time (what
            # toLocalIterator does, without making a Row of every row).
            plan = df._plan.to_proto(client)
            for table in client.to_table_as_iterator(plan, df._plan.observations):
                if not isinstance(table, pyarrow.Table):
                    continue  # the schema, which comes first
                for batch in table.to_batches():
                    for start in range(0, batch.num_rows, chunk):
                        part = batch.slice(start, chunk)
                        cols = [column_cells(c) for c in part.columns]
                        send({"rows": list(zip(*cols))})  # tuples dump as arrays
                        count += part.num_rows
        else:
            rows = []
            for row in df.toLocalIterator():
                rows.append([cell(v) for v in row])
                if len(rows) == chunk:
                    send({"rows": rows})
                    count += len(rows)
                    rows = []
            if rows:
                send({"rows": rows})
                count += len(rows)
    except Exception as e:
        return fail("query", message(e))
    send({"ok": {"rows": count}})


def execute(req):
    try:
        spark.sql(req["sql"]).collect()
    except Exception as e:
        return fail("query", message(e))
    send({"ok": {}})


OPS = {"connect": connect, "columns": columns, "query": query, "execute": execute}

for line in sys.stdin.buffer:
    try:
        req = json.loads(line)
        op = OPS[req["op"]]
    except Exception as e:
        fail("protocol", "bad request: %s" % e)
        continue
    if spark is None and op is not connect:
        fail("protocol", "not connected")
        continue
    op(req)

if spark is not None:
    try:
        spark.stop()  # releases the session on the server
    except Exception:
        pass
