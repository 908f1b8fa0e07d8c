#!/usr/bin/env python3
"""Loads the reference workload's members (bench/gen_members.py) into PostgreSQL
or Spark with the typed layout docs/warehouse.md recommends, so the same file is
read by every engine (docs/performance.md, "Warehouses").

    python3 bench/warehouse_load.py postgres FILE.db postgres://user:pw@host:port/db SCHEMA
    python3 bench/warehouse_load.py spark    FILE.db sc://host:port DATABASE

PostgreSQL through `psql` (COPY … FROM STDIN); Spark through the official Python
Spark Connect client (PyPI `pyspark-client` or `pyspark[connect]`).
"""

import json
import os
import sqlite3
import subprocess
import sys
import tempfile

# (column, PostgreSQL type, Spark type); `tags` is comma-separated text in SQLite.
COLUMNS = [
    ("id", "text PRIMARY KEY", "string"),
    ("nickname", "text NOT NULL", "string"),
    ("level", "bigint NOT NULL", "bigint"),
    ("channel", "text NOT NULL", "string"),
    ("city", "text NOT NULL", "string"),
    ("age", "bigint", "bigint"),
    ("joined_at", "timestamp NOT NULL", "timestamp_ntz"),
    ("first_order_at", "timestamp", "timestamp_ntz"),
    ("last_order_at", "timestamp", "timestamp_ntz"),
    ("orders", "bigint NOT NULL", "bigint"),
    ("spend_total", "bigint NOT NULL", "bigint"),
    ("spend_365d", "bigint NOT NULL", "bigint"),
    ("points", "bigint NOT NULL", "bigint"),
    ("tags", "text[] NOT NULL", "array<string>"),
    ("group_id", "text", "string"),
    ("messages_7d", "bigint NOT NULL", "bigint"),
    ("invites", "bigint NOT NULL", "bigint"),
    ("birthday", "date", "date"),
    ("check_in_streak", "bigint NOT NULL", "bigint"),
]


def rows(path):
    db = sqlite3.connect(path)
    names = ", ".join(c for c, _, _ in COLUMNS)
    yield from db.execute(f"SELECT {names} FROM members ORDER BY rowid")


def copy_text(value):
    """A value in COPY's text format."""
    if value is None:
        return "\\N"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def pg_array(tags):
    items = [t for t in tags.split(",") if t != ""] if tags else []
    quoted = ['"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"' for t in items]
    return "{" + ",".join(quoted) + "}"


def load_postgres(path, url, schema):
    ddl = ", ".join(f'"{c}" {pg}' for c, pg, _ in COLUMNS)
    setup = (
        f'DROP SCHEMA IF EXISTS "{schema}" CASCADE; CREATE SCHEMA "{schema}";'
        f'CREATE TABLE "{schema}".members ({ddl});'
    )
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", setup], check=True)
    copy = subprocess.Popen(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", url, "-c",
         f'COPY "{schema}".members FROM STDIN'],
        stdin=subprocess.PIPE, text=True)
    tags_at = [c for c, _, _ in COLUMNS].index("tags")
    for row in rows(path):
        row = list(row)
        row[tags_at] = pg_array(row[tags_at])
        copy.stdin.write("\t".join(copy_text(v) for v in row) + "\n")
    copy.stdin.close()
    if copy.wait() != 0:
        sys.exit("COPY failed")
    subprocess.run(["psql", "-q", url, "-c", f'ANALYZE "{schema}".members'], check=True)


def load_spark(path, url, database):
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.remote(url).getOrCreate()
    tags_at = [c for c, _, _ in COLUMNS].index("tags")
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as out:
        for row in rows(path):
            record = {c: v for (c, _, _), v in zip(COLUMNS, row)}
            tags = row[tags_at]
            record["tags"] = [t for t in tags.split(",") if t != ""] if tags else []
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    schema = ", ".join(f"`{c}` {'string' if sp.startswith('timestamp') or sp == 'date' else sp}"
                       for c, _, sp in COLUMNS)
    frame = spark.read.schema(schema).json(out.name)
    casts = [f"CAST(`{c}` AS {sp}) AS `{c}`" for c, _, sp in COLUMNS]
    spark.sql(f"CREATE DATABASE IF NOT EXISTS `{database}`")
    spark.sql(f"DROP TABLE IF EXISTS `{database}`.members")
    frame.selectExpr(*casts).write.format("parquet").saveAsTable(f"`{database}`.members")
    os.unlink(out.name)
    print(spark.sql(f"SELECT count(*) FROM `{database}`.members").collect()[0][0], "rows")


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[1] not in ("postgres", "spark"):
        sys.exit(__doc__)
    engine, path, url, name = sys.argv[1:]
    (load_postgres if engine == "postgres" else load_spark)(path, url, name)
