"""`sopc demo-data`: the benign background, the injected cases on top of it, the output formats and the CLI.

Generation runs at scale 1 (about a second) except for one scale-10 check;
the determinism check runs the real command in two separate processes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from compiler.demo.background import create_background
from compiler.demo.catalog import cases
from compiler.demo.generate import MANIFEST, generate
from compiler.demo.rows import insert_rows
from compiler.files import UsageError
from compiler.resources import schema_text
from compiler.sqlcheck import catalog

SOPC = Path(sys.executable).with_name("sopc")
WEEK = ("2026-01-01 00:00:00", "2026-01-08 00:00:00")


def run_sopc(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The installed `sopc` entry point in a fresh process (what a user runs)."""
    env = {**os.environ, "SOPC_DEBUG": ""}
    return subprocess.run([str(SOPC), *args], cwd=cwd, capture_output=True, text=True, check=False, env=env)


def one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    """The single value a query returns."""
    row = con.execute(sql, params or []).fetchone()
    assert row is not None
    return row[0]


def checksums(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent checksum (sum of row hashes) of each table."""
    return {table: (one(con, f'SELECT count(*) FROM "{table}"'),
                    int(one(con, f'SELECT coalesce(sum(hash(t)), 0) FROM "{table}" AS t')))
            for table in tables}


def file_checksums(path: Path) -> dict[str, tuple[int, int]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return checksums(con, [*catalog(), MANIFEST])


def background(scale: int, seed: int = 7) -> duckdb.DuckDBPyConnection:
    """An in-memory exchange holding the background only, no cases."""
    con = duckdb.connect()
    con.execute(schema_text("exchange.sql"))
    create_background(con, scale, seed)
    return con


@pytest.fixture(scope="module")
def bg() -> Iterator[duckdb.DuckDBPyConnection]:
    con = background(1)
    yield con
    con.close()


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], list[subprocess.CompletedProcess[str]]]:
    """`sopc demo-data --out` run twice with the same scale and seed, in two processes at once."""
    root = tmp_path_factory.mktemp("cli")
    outs = [root / "first.duckdb", root / "second.duckdb"]
    env = {**os.environ, "SOPC_DEBUG": ""}
    procs = [subprocess.Popen([str(SOPC), "demo-data", "--out", str(out), "--scale", "1", "--seed", "7"], cwd=root,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for out in outs]
    runs = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=300)
        runs.append(subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr))
    return outs, runs


def test_cli_writes_a_duckdb_file(cli_runs: tuple[list[Path], list[subprocess.CompletedProcess[str]]]) -> None:
    outs, runs = cli_runs
    for out, done in zip(outs, runs, strict=True):
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(f"wrote {out}: "), done.stdout
        assert " trades, " in done.stdout and done.stdout.count("\n") == 1
        assert out.is_file()
    assert [p.name for p in outs[0].parent.iterdir() if p.name.startswith(".")] == []  # no staging left behind


def test_same_scale_and_seed_give_identical_tables_across_processes(
        cli_runs: tuple[list[Path], list[subprocess.CompletedProcess[str]]]) -> None:
    outs, _ = cli_runs
    first, second = (file_checksums(out) for out in outs)
    assert first == second
    assert set(first) == {*catalog(), MANIFEST}


def test_the_seed_changes_the_background_not_the_cases(bg: duckdb.DuckDBPyConnection) -> None:
    other = background(1, seed=8)
    try:
        mine, theirs = checksums(bg, ["trades", "accounts"]), checksums(other, ["trades", "accounts"])
    finally:
        other.close()
    assert mine["trades"] != theirs["trades"] and mine["accounts"] != theirs["accounts"]
    assert mine["trades"][0] == theirs["trades"][0]  # sizes depend on the scale only


def test_scale_1_has_thousands_of_trades_and_every_table_filled(bg: duckdb.DuckDBPyConnection) -> None:
    counts = {table: one(bg, f'SELECT count(*) FROM "{table}"') for table in catalog()}
    assert 4_000 <= counts["trades"] <= 7_000
    assert counts["alert_cases"] == 0
    assert [table for table, n in counts.items() if n == 0] == ["alert_cases"]
    for big in ("orders", "identity_links", "market_bars_1m", "index_components", "position_snapshots"):
        assert counts[big] >= 1_000, big
    assert counts["market_bars_1m"] == 6 * 7 * 24 * 60


def test_background_trades_are_well_formed(bg: duckdb.DuckDBPyConnection) -> None:
    assert one(bg, "SELECT count(*) FROM trades WHERE abs(notional_usd - price * qty) > 1e-9 * notional_usd") == 0
    assert one(bg, "SELECT count(*) FROM trades WHERE maker_account_id = taker_account_id") == 0
    assert one(bg, "SELECT count(*) FROM trades WHERE NOT (ts >= ?::TIMESTAMP AND ts < ?::TIMESTAMP)", list(WEEK)) == 0
    assert one(bg, "SELECT count(*) FROM trades WHERE taker_side NOT IN ('buy', 'sell') OR qty <= 0 OR price <= 0") == 0
    assert one(bg, "SELECT count(*) FROM trades WHERE trade_id NOT LIKE 'BGT%'") == 0
    # every trade references real orders of the right account and side, and maker orders add up
    assert one(bg, """SELECT count(*) FROM trades AS t
                      LEFT JOIN orders AS m ON m.order_id = t.maker_order_id
                      LEFT JOIN orders AS k ON k.order_id = t.taker_order_id
                      WHERE m.account_id IS DISTINCT FROM t.maker_account_id
                         OR k.account_id IS DISTINCT FROM t.taker_account_id
                         OR k.side IS DISTINCT FROM t.taker_side OR m.side = t.taker_side""") == 0
    assert one(bg, """SELECT count(*) FROM (SELECT maker_order_id, sum(qty) AS q FROM trades GROUP BY 1) AS f
                      JOIN orders AS o ON o.order_id = f.maker_order_id WHERE abs(o.filled_qty - f.q) > 1e-9""") == 0
    # nobody trades with their own family, and market makers make most of the market
    assert one(bg, """SELECT count(*) FROM trades AS t
                      JOIN accounts AS m ON m.account_id = t.maker_account_id
                      JOIN accounts AS k ON k.account_id = t.taker_account_id
                      WHERE coalesce(m.parent_account_id, m.account_id) = coalesce(k.parent_account_id, k.account_id)
                         OR m.user_id = k.user_id""") == 0
    share = one(bg, """SELECT avg(a.is_market_maker::INTEGER) FROM trades AS t
                       JOIN accounts AS a ON a.account_id = t.maker_account_id""")
    assert 0.7 <= share <= 0.9


def test_background_is_consistent_and_benign(bg: duckdb.DuckDBPyConnection) -> None:
    assert one(bg, """SELECT count(*) FROM (SELECT symbol, ts, b.index_price, sum(c.price * c.weight) AS s
                      FROM market_bars_1m AS b JOIN index_components AS c USING (symbol, ts) GROUP BY ALL)
                      WHERE abs(index_price - s) > 1e-4""") == 0
    assert one(bg, "SELECT count(*) FROM index_components WHERE excluded") == 0
    assert one(bg, """SELECT count(*) FROM market_bars_1m WHERE NOT (low <= least(open, close)
                      AND high >= greatest(open, close) AND best_bid < best_ask)
                      OR abs(mark_price / index_price - 1) > 0.01 OR abs(close / index_price - 1) > 0.05""") == 0
    assert one(bg, """SELECT count(*) FROM accounts AS a JOIN accounts AS p ON p.account_id = a.parent_account_id
                      WHERE p.created_at >= a.created_at OR p.parent_account_id IS NOT NULL""") == 0
    assert one(bg, "SELECT count(*) FROM accounts WHERE is_market_maker") >= 3
    assert one(bg, "SELECT count(*) FROM accounts WHERE referrer_account_id IS NOT NULL") > 0
    # shared IPs are the office and carrier kind; no other identifier is shared by two accounts
    assert one(bg, """SELECT max(n) FROM (SELECT count(*) AS n FROM identity_links WHERE link_type = 'ip'
                      GROUP BY link_value)""") >= 10
    assert one(bg, """SELECT count(*) FROM (SELECT link_type, link_value FROM identity_links WHERE link_type <> 'ip'
                      GROUP BY ALL HAVING count(*) > 1)""") == 0
    assert one(bg, "SELECT max(-insurance_fund_delta_usd) FROM liquidations") < 1_000
    assert one(bg, "SELECT count(*) FROM transfers WHERE kyt_risk NOT IN ('low')") == 0
    assert one(bg, "SELECT count(*) FROM p2p_orders WHERE payer_name_matches_kyc = FALSE") == 0
    assert one(bg, """SELECT count(*) FROM p2p_appeals WHERE reason <> 'payment_not_received'
                      OR resolved_ts IS NULL""") == 0
    assert one(bg, "SELECT count(DISTINCT action) FROM account_actions") == 1


def test_scale_grows_trades_linearly(bg: duckdb.DuckDBPyConnection) -> None:
    ten = background(10)
    try:
        small, large = one(bg, "SELECT count(*) FROM trades"), one(ten, "SELECT count(*) FROM trades")
        assert 9.5 <= large / small <= 10.5
        assert one(ten, "SELECT count(*) FROM market_bars_1m") == one(bg, "SELECT count(*) FROM market_bars_1m")
        assert one(ten, "SELECT count(*) FROM accounts") > one(bg, "SELECT count(*) FROM accounts")
    finally:
        ten.close()


@pytest.fixture(scope="module")
def demo(cli_runs: tuple[list[Path], list[subprocess.CompletedProcess[str]]]) -> Path:
    """The exchange `sopc demo-data` wrote at scale 1, seed 7 (background and every case)."""
    outs, runs = cli_runs
    assert runs[0].returncode == 0, runs[0].stderr
    return outs[0]


@pytest.fixture(scope="module")
def parquet(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """The same exchange written as a folder of Parquet files, and the row counts generate reported."""
    folder = tmp_path_factory.mktemp("parquet") / "tables"
    return folder, generate(folder, scale=1, seed=7).rows


def test_every_case_has_its_rows_and_is_listed(demo: Path) -> None:
    with duckdb.connect(str(demo), read_only=True) as con:
        listed = {name for (name,) in con.execute(f"SELECT name FROM {MANIFEST}").fetchall()}
    assert listed == set(cases())
    for case in cases().values():
        with duckdb.connect() as mine:  # the case alone, loaded the way generate loads it
            mine.execute(schema_text("exchange.sql"))
            for table, rows in case.rows().items():
                insert_rows(mine, table, rows)
            mine.execute("ATTACH ? AS demo (READ_ONLY)", [str(demo)])
            for table in case.rows():
                missing = one(mine, f'SELECT count(*) FROM (SELECT * FROM main."{table}" '
                                    f'EXCEPT SELECT * FROM demo."{table}")')
                assert missing == 0, f"{case.name}: {missing} of its {table} rows are not in the demo data"


def test_parquet_folder_has_the_same_tables(demo: Path, parquet: tuple[Path, dict[str, int]]) -> None:
    folder, rows = parquet
    files = sorted(p.stem for p in folder.glob("*.parquet"))
    assert files == sorted([*catalog(), MANIFEST])
    assert [p.name for p in folder.parent.iterdir()] == ["tables"]  # no staging left behind
    with duckdb.connect(str(demo), read_only=True) as con:
        for table in files:
            path = str(folder / f"{table}.parquet")
            counted = one(con, "SELECT count(*) FROM read_parquet(?)", [path])
            assert counted == rows[table] == one(con, f'SELECT count(*) FROM "{table}"'), table
        for table in ("trades", "orders", "market_bars_1m"):  # same values and types, not just as many rows
            path = str(folder / f"{table}.parquet")
            assert one(con, "SELECT sum(hash(t)) FROM read_parquet(?) AS t", [path]) == \
                one(con, f"SELECT sum(hash(t)) FROM {table} AS t"), table


def test_scale_0_is_a_usage_error(tmp_path: Path) -> None:
    done = run_sopc("demo-data", "--out", str(tmp_path / "x.duckdb"), "--scale", "0", cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stdout == ""
    errors = [line for line in done.stderr.splitlines() if "rror" in line]
    assert len(errors) == 1 and "--scale" in errors[0], done.stderr
    assert not (tmp_path / "x.duckdb").exists()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_failed_generation_leaves_the_previous_file_untouched(tmp_path: Path,
                                                                parquet: tuple[Path, dict[str, int]]) -> None:
    out = tmp_path / "demo.duckdb"
    out.write_bytes(b"previous demo data")
    with pytest.raises(ValueError, match="seed"):  # fails inside the generation, after staging began
        generate(out, scale=1, seed=2**70)
    assert out.read_bytes() == b"previous demo data"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.duckdb"]

    folder = tmp_path / "tables"
    shutil.copytree(parquet[0], folder)
    before = {p.name: _digest(p) for p in folder.iterdir()}
    with pytest.raises(ValueError, match="seed"):
        generate(folder, scale=1, seed=-(2**70))
    assert {p.name: _digest(p) for p in folder.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.duckdb", "tables"]


def test_an_out_path_under_a_file_fails_and_touches_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"keep me")
    with pytest.raises(UsageError, match="cannot write"):
        generate(blocker / "demo.duckdb", scale=1, seed=7)
    done = run_sopc("demo-data", "--out", str(blocker / "demo.duckdb"), cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().startswith("sopc: cannot write")
    assert blocker.read_bytes() == b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-folder"]
