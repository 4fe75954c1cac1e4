"""What MCP costs an agent: start_run to the first pending step through `sopc mcp` (stdio) against the runner's API.

Run: .venv/bin/python -m benchmarks.bench_mcp [--scale 1] [--repeats 30]

Generates the demo exchange once (kept in benchmarks/.data/), starts one
`sopc mcp` process and one MCP client session over stdio (the SDK's real
client), then, alternating in one process so that both see the same machine
load, starts the wash-trading skill on the injected ring's alert:

- api: `Runs.start(...)` in this process, the call `sopc mcp` makes;
- mcp: `call_tool("start_run", ...)` through the client, the stdio pipes and
  the server, with the structured result validated by the client against the
  published output schema.

Both run the same six deterministic steps and stop at the agent step
(draft_narrative), writing a run folder each. A run's own time (DuckDB,
fsyncs of the record and reports) varies by tens of milliseconds on a shared
machine, so the same pairs are also measured for get_run, which reads a run
and touches neither: there the protocol's own cost stands out. Prints the
medians, the MCP overhead per call (the median over back-to-back pairs, with
the quartiles) and the one-off cost of starting the server and the session.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters

from benchmarks.bench_runner import demo_database
from compiler.runner.session import Runs

REPO = Path(__file__).resolve().parent.parent
SOP = "wash-trading-linked-accounts"
ALERT = {"name": "related_account_volume_share",
         "payload": {"subject": {"account_id": "WR-1"},
                     "window": {"start": "2026-01-05T00:00:00Z", "end": "2026-01-06T00:00:00Z"}}}


async def measure(db: Path, out: Path, repeats: int) -> dict[str, Any]:
    runs = Runs(db, out / "api", REPO / "skills")
    server = StdioServerParameters(command=sys.executable, cwd=str(REPO),
                                   args=["-m", "compiler", "mcp", "--db", str(db), "--runs", str(out / "mcp"),
                                         "--skills", str(REPO / "skills")])
    opened = time.perf_counter()
    async with Client(server) as client:
        await client.list_tools()  # the client caches the output schemas it validates against
        session = time.perf_counter() - opened

        def api() -> float:
            started = time.perf_counter()
            state = runs.start(SOP, by="bench", alert=ALERT)
            assert state["pending"]["step"] == "draft_narrative"
            return time.perf_counter() - started

        async def mcp() -> float:
            started = time.perf_counter()
            result = await client.call_tool("start_run", {"sop_id": SOP, "alert": ALERT})
            assert not result.is_error and result.structured_content is not None
            assert result.structured_content["pending"]["step"] == "draft_narrative"
            return time.perf_counter() - started

        def api_get() -> float:
            started = time.perf_counter()
            assert runs.get(api_run)["status"] == "awaiting_answer"
            return time.perf_counter() - started

        async def mcp_get() -> float:
            started = time.perf_counter()
            result = await client.call_tool("get_run", {"run_id": mcp_run})
            assert not result.is_error
            return time.perf_counter() - started

        api_run = runs.start(SOP, by="bench", alert=ALERT)["run_id"]  # also warms both paths
        warm = await client.call_tool("start_run", {"sop_id": SOP, "alert": ALERT})
        mcp_run = warm.structured_content["run_id"]  # type: ignore[index]
        found: dict[str, Any] = {"session": session}
        for name, (one, other) in {"start_run": (api, mcp), "get_run": (api_get, mcp_get)}.items():
            pairs = []
            for number in range(repeats):
                if number % 2:
                    m = await other()
                    a = one()
                else:
                    a = one()
                    m = await other()
                pairs.append((a, m))
            found[name] = pairs
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="Demo exchange size (5,000 trades per unit).")
    parser.add_argument("--repeats", type=int, default=30, help="Pairs of runs.")
    args = parser.parse_args()
    db = demo_database(args.scale)
    with tempfile.TemporaryDirectory(prefix="mcp-runs-", dir=db.parent) as out:
        found = anyio.run(measure, db, Path(out), args.repeats)
    print(f"scale {args.scale}, {args.repeats} pairs of each; start_run stops at the first pending step "
          "(draft_narrative)")
    for name, label in (("start_run", "Runs.start"), ("get_run", "Runs.get")):
        api = statistics.median(a for a, _ in found[name])
        mcp = statistics.median(m for _, m in found[name])
        q1, median, q3 = statistics.quantiles(sorted(m - a for a, m in found[name]), n=4)
        print(f"  {name:<9} runner API ({label}) {api * 1000:6.1f} ms | MCP stdio {mcp * 1000:6.1f} ms | "
              f"overhead per call: median {median * 1000:5.1f} ms (quartiles {q1 * 1000:.1f} to {q3 * 1000:.1f})")
    print(f"  once per session: spawn sopc mcp, initialize, list tools: {found['session'] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
