"""Loads tables into a Spark Connect server, and reads them back, for the warehouse
tests (tests/common/warehouse/spark_load.rs writes the files and runs this).

    spark_load.py load SPEC.json
        SPEC: {"url": "sc://host:port", "database": "db", "tables": [{"name": "members",
        "path": "/abs/t0.json", "columns": [{"name": "id", "kind": "Text"}, ...]}]}
        Replaces the database with the tables; the file holds one JSON object a line,
        {"c0": "...", "c1": null, ...}, every value a string cast here to its type.

    spark_load.py drop URL DATABASE
        Drops the database and its tables.

    spark_load.py dump URL TABLE
        Prints the table's columns as [[name, type], ...] on the first line, then each
        row as a JSON array of strings (or null) in the SQLite stored forms: booleans
        0/1, timestamps 'YYYY-MM-DD HH:MM:SS', timestamps with a zone as Unix
        seconds, arrays as JSON.

Needs pyspark with its Connect client (pip install 'pyspark[connect]' 'pandas<3').
"""

import json
import sys

from pyspark.sql import SparkSession

SPARK_TYPES = {
    "BigInt": "bigint",
    "Double": "double",
    "Text": "string",
    "Bool": "boolean",
    "Date": "date",
    "Timestamp": "timestamp_ntz",
    "TimestampTz": "timestamp",
    "TextArray": "array<string>",
    "Json": "string",
}


def quote(name):
    return "`" + name.replace("`", "``") + "`"


def cast(i, kind):
    c = f"c{i}"
    if kind in ("Text", "Json"):
        return c
    if kind == "TimestampTz":
        return f"timestamp_seconds(cast({c} as bigint))"
    if kind == "TextArray":
        return f"from_json({c}, 'array<string>')"
    return f"cast({c} as {SPARK_TYPES[kind]})"


def load(spec_path):
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    spark = SparkSession.builder.remote(spec["url"]).getOrCreate()
    db = quote(spec["database"])
    spark.sql(f"DROP DATABASE IF EXISTS {db} CASCADE")
    spark.sql(f"CREATE DATABASE {db}")
    for table in spec["tables"]:
        columns = table["columns"]
        schema = ", ".join(f"c{i} string" for i in range(len(columns)))
        # FAILFAST: a line Spark cannot read stops the load instead of becoming NULLs.
        rows = spark.read.schema(schema).option("mode", "FAILFAST").json(table["path"])
        typed = rows.selectExpr(
            *(f"{cast(i, c['kind'])} as {quote(c['name'])}" for i, c in enumerate(columns))
        )
        typed.write.format("parquet").saveAsTable(f"{db}.{quote(table['name'])}")


def as_text(name, spark_type):
    c = quote(name)
    if spark_type == "boolean":
        return f"cast(cast({c} as int) as string)"
    if spark_type == "timestamp_ntz":
        return f"date_format({c}, 'yyyy-MM-dd HH:mm:ss')"
    if spark_type == "timestamp":
        return f"cast(unix_seconds({c}) as string)"
    if spark_type.startswith("array"):
        return f"to_json({c})"
    return f"cast({c} as string)"


def drop(url, database):
    spark = SparkSession.builder.remote(url).getOrCreate()
    spark.sql(f"DROP DATABASE IF EXISTS {quote(database)} CASCADE")


def dump(url, table):
    spark = SparkSession.builder.remote(url).getOrCreate()
    df = spark.table(table)
    fields = [(f.name, f.dataType.simpleString()) for f in df.schema.fields]
    print(json.dumps(fields))
    for row in df.selectExpr(*(as_text(n, t) for n, t in fields)).collect():
        print(json.dumps(list(row)))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "load":
        load(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "drop":
        drop(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "dump":
        dump(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
