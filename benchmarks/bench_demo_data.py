"""Measure `sopc demo-data` at several scales: wall time, peak memory, rows and output size.

Run: .venv/bin/python -m benchmarks.bench_demo_data [--scales 1,100,2000] [--parquet]
Each scale runs the real command in its own process (so peak memory is that
run's alone) and writes into a temporary folder that is removed afterwards.
Scale 2,000 is about 10 million trades and takes minutes; the machine is
shared and noisy, so read the growth between scales rather than one figure.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb


def size_of(path: Path) -> int:
    """Bytes on disk: the file, or every file in the folder."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def rows_of(path: Path) -> tuple[int, int, int]:
    """(all rows, trades, orders) in a .duckdb file or a folder of Parquet files."""
    with duckdb.connect() as con:
        if path.is_file():
            con.execute("ATTACH ? AS demo (READ_ONLY)", [str(path)])
            tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'demo'")
                      .fetchall()]
            counts = {t: con.execute(f'SELECT count(*) FROM demo."{t}"').fetchone() for t in tables}
        else:
            counts = {p.stem: con.execute("SELECT count(*) FROM read_parquet(?)", [str(p)]).fetchone()
                      for p in path.glob("*.parquet")}
    number = {t: int(c[0]) if c else 0 for t, c in counts.items()}
    return sum(number.values()), number.get("trades", 0), number.get("orders", 0)


def measure(scale: int, seed: int, out: Path) -> tuple[float, int]:
    """Wall seconds and peak resident memory (bytes) of one `sopc demo-data` process."""
    with tempfile.TemporaryFile(mode="w+") as errors:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "compiler", "demo-data", "--out", str(out), "--scale",
                                 str(scale), "--seed", str(seed)], stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(proc.pid, 0)  # reaps the child: its own peak memory, not the maximum of all
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"sopc demo-data --scale {scale} failed:\n{errors.read()[-2000:]}")
    return seconds, usage.ru_maxrss * 1024  # Linux reports kilobytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,100,2000", help="comma-separated scales (default: 1,100,2000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--parquet", action="store_true", help="write a folder of Parquet files instead of .duckdb")
    parser.add_argument("--dir", type=Path, default=None, help="where to write the outputs (default: a temp folder)")
    args = parser.parse_args()
    scales = [int(s) for s in args.scales.split(",") if s.strip()]
    print(f"{'scale':>6} {'seconds':>8} {'peak MB':>8} {'rows':>12} {'trades':>11} {'orders':>11} {'MB out':>8} "
          f"{'k trades/s':>10}", flush=True)
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="bench-demo-") as temp:
        for scale in scales:
            out = Path(temp) / (f"scale{scale}" if args.parquet else f"scale{scale}.duckdb")
            seconds, peak = measure(scale, args.seed, out)
            total, trades, orders = rows_of(out)
            print(f"{scale:>6} {seconds:>8.1f} {peak / 2**20:>8.0f} {total:>12,} {trades:>11,} {orders:>11,} "
                  f"{size_of(out) / 2**20:>8.0f} {trades / seconds / 1000:>10.1f}", flush=True)
            if out.is_file():
                out.unlink()
            else:
                for p in out.glob("*"):
                    p.unlink()


if __name__ == "__main__":
    main()
