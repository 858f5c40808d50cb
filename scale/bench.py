"""Times scale/pairs.sql in DuckDB on the pair benchmark's synthetic library (issue 14).

    PAIRS_DUMP=/tmp/lib.bin cargo bench -p lookalike-core --bench pairs -- 100000
    python3 scale/bench.py /tmp/lib.bin [max_code_holders min_shared_codes]

The dump holds every signature's bytes (core/src/signature.rs, format 2) one after the other;
this script writes them as the signatures table of `lookalike db export --format parquet`
(synthetic paths and file facts; the columns pairs.sql reads are the signatures' own), then runs
pairs.sql with the given join limits (default: the file's own) and prints the time, the pairs,
the process's peak memory, and the Parquet file's size.
"""

import json
import os
import resource
import struct
import sys
import tempfile
import time

import duckdb

HEADER = 34
NEGATIVE = 0x4000


def rows(dump):
    data = open(dump, "rb").read()
    m = data[5]
    size = HEADER + 6 * m
    assert len(data) % size == 0, "not a dump of signatures with one m"
    for i in range(len(data) // size):
        record = data[i * size : (i + 1) * size]
        assert record[:4] == b"LKSG" and record[4] == 2, f"signature {i}: not format 2"
        aspect, ay, ai, aq, sy, si, sq = struct.unpack_from("<7f", record, 6)
        codes = struct.unpack_from(f"<{3 * m}H", record, HEADER)
        table = []
        for k, code in enumerate(codes):
            value = (k // m) * 16384 + (code & ~NEGATIVE)
            table.append(-value if code & NEGATIVE else value)
        yield {
            "path": f"/synthetic/{i:08d}.jpg",
            "bytes": 1, "modified_ns": 0, "width": 1, "height": 1, "format": "jpeg",
            "signature_version": 2, "coefficients": m, "aspect": aspect,
            "average_y": ay, "average_i": ai, "average_q": aq,
            "strength_y": sy, "strength_i": si, "strength_q": sq,
            "codes": table,
        }


def main():
    dump = sys.argv[1]
    sql = open(os.path.join(os.path.dirname(__file__), "pairs.sql")).read().strip().rstrip(";")
    if len(sys.argv) > 2:
        sql = sql.replace("100 AS max_code_holders", f"{int(sys.argv[2])} AS max_code_holders")
        sql = sql.replace("2 AS min_shared_codes", f"{int(sys.argv[3])} AS min_shared_codes")
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    # A join that outgrows the machine fails here instead of filling the disk with spills.
    con.execute("SET memory_limit = '8GB'")
    con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/lookalike-duckdb'")
    con.execute("SET max_temp_directory_size = '4GB'")
    with tempfile.TemporaryDirectory() as tmp:
        lines = os.path.join(tmp, "rows.jsonl")
        with open(lines, "w") as out:
            for row in rows(dump):
                out.write(json.dumps(row) + "\n")
        parquet = dump + ".parquet"
        con.execute(
            f"""COPY (SELECT path, bytes, modified_ns, width, height, format,
                       CAST(signature_version AS INTEGER) AS signature_version,
                       CAST(coefficients AS INTEGER) AS coefficients,
                       CAST(aspect AS FLOAT) AS aspect,
                       CAST(average_y AS FLOAT) AS average_y, CAST(average_i AS FLOAT) AS average_i,
                       CAST(average_q AS FLOAT) AS average_q,
                       CAST(strength_y AS FLOAT) AS strength_y, CAST(strength_i AS FLOAT) AS strength_i,
                       CAST(strength_q AS FLOAT) AS strength_q,
                       CAST(codes AS INTEGER[]) AS codes
                FROM read_json('{lines}', format = 'newline_delimited'))
               TO '{parquet}' (FORMAT parquet)"""
        )
    con.execute(f"CREATE VIEW signatures AS SELECT * FROM read_parquet('{parquet}')")
    images = con.execute("SELECT COUNT(*) FROM signatures").fetchone()[0]
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    con.execute("CREATE TABLE pairs AS " + sql)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    pairs = con.execute("SELECT COUNT(*) FROM pairs").fetchone()[0]
    used = (after.ru_utime + after.ru_stime) - (cpu.ru_utime + cpu.ru_stime)
    print(
        f"{images} images, Parquet {os.path.getsize(parquet)} bytes; pairs.sql: {pairs} pairs "
        f"in {seconds:.1f} s wall, {used:.1f} s CPU (DuckDB {duckdb.__version__}, "
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}); "
        f"peak RSS of the process {after.ru_maxrss / 1024:.0f} MiB"
    )


if __name__ == "__main__":
    main()
