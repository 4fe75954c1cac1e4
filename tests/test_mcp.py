"""sopc mcp driven by the MCP SDK's real client: over stdio against a `sopc mcp` process, and in memory.

A scripted agent takes the injected wash ring on demo data from its alert to
a finished, verified run: the agent writes the narrative (an invented figure
first, refused; then grounded, accepted), people answer and approve from the
CLI. Every refusal the server makes is tested, and recorded in the run.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import jsonschema
import pytest
from mcp import Client, StdioServerParameters
from mcp_types import CallToolResult

from compiler.demo.generate import generate
from compiler.mcp.server import build_server
from compiler.resources import schema_json
from compiler.runner.events import read_events
from compiler.runner.session import Runs

REPO = Path(__file__).resolve().parent.parent
SKILLS = REPO / "skills"
SOPC = [sys.executable, "-m", "compiler"]
WASH = "wash-trading-linked-accounts"
ALERT = {"name": "related_account_volume_share",
         "payload": {"alert_id": "AL-20260106-0042", "raised_at": "2026-01-06T00:05:00Z",
                     "subject": {"account_id": "WR-1"},
                     "window": {"start": "2026-01-05T00:00:00Z", "end": "2026-01-06T00:00:00Z"},
                     "metrics": {"related_share": 0.995}}}
INVENTED = {"narrative": "WR-1 traded $340k with WR-2 and WR-3, 99.5% of it inside the group.",
            "replay_focus": "Mirrored orders."}
GROUNDED = {"narrative": "WR-1 shares a device with WR-2 and WR-3. Of its 332,491.34 USD volume, $330.8k (99.5%) "
                         "was matched against the group, above the 20% threshold; the group's net position is "
                         "4 USD on 994,114.02 USD gross.",
            "replay_focus": "Buys meeting linked sells posted seconds earlier at the same price and size."}
PEOPLE = {"replay": {"replay_link": "https://replay.internal/case/wr-1", "mirrored_orders": True,
                     "note": "Each buy meets a linked sell posted one to three seconds earlier."},
          "escalate": {"approved": True, "by": "dana.risk", "role": "risk-manager"},
          "force_stp": {"approved": True, "by": "dana.risk", "role": "risk-manager"}}


def valid(value: Any, schema: str) -> Any:
    """The value, once it validates against a schema published in schema/."""
    jsonschema.Draft202012Validator(schema_json(schema)).validate(value)
    return value


def structured(result: CallToolResult, schema: str) -> dict[str, Any]:
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return dict(valid(result.structured_content, schema))


def refusal(result: CallToolResult) -> dict[str, Any]:
    """The refusal a tool returned (an error result whose text names it, then carries it as JSON)."""
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    first, _, detail = text.partition("\n")
    assert first.startswith("refused: ")
    found = json.loads(detail)
    valid(found["state"], "run-state.schema.json")
    return dict(found["refusal"])


def answer_by_people(folder: str, tmp: Path, answers: dict[str, Any], *, by: str = "lee.analyst") -> dict[str, Any]:
    """A person answers from the CLI: sopc run --resume RUN --answers FILE --format json."""
    path = tmp / f"answers-{len(list(tmp.glob('answers-*')))}.json"
    path.write_text(json.dumps(answers))
    done = subprocess.run([*SOPC, "run", "--resume", folder, "--answers", str(path), "--by", by, "--format", "json"],
                          capture_output=True, text=True, cwd=REPO, check=False)
    assert done.returncode in (0, 4), done.stderr
    return dict(valid(json.loads(done.stdout), "run-state.schema.json"))


def verify(folder: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SOPC, "verify", folder], capture_output=True, text=True, cwd=REPO, check=False)


def records_valid(folder: str) -> list[dict[str, Any]]:
    events, torn = read_events(Path(folder) / "events.jsonl")
    assert torn == 0
    for event in events:
        valid(event, "run.schema.json")
    return events


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo exchange, as `sopc demo-data` writes it (scale 1)."""
    return generate(tmp_path_factory.mktemp("demo") / "demo.duckdb", scale=1).path


@pytest.fixture
def runs(demo: Path, tmp_path: Path) -> Runs:
    return Runs(demo, tmp_path / "runs", SKILLS)


def in_memory(runs: Runs, script: Callable[[Client], Awaitable[None]]) -> None:
    async def main() -> None:
        async with Client(build_server(runs)) as client:
            await script(client)
    anyio.run(main)


def test_the_server_lists_its_tools_resources_and_prompt_with_the_published_schemas(runs: Runs) -> None:
    async def script(client: Client) -> None:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert sorted(tools) == ["find_runbooks", "get_report", "get_run", "start_run", "submit_step"]
        assert tools["find_runbooks"].output_schema == schema_json("runbooks.schema.json")
        for name in ("start_run", "get_run", "submit_step"):
            assert tools[name].output_schema == schema_json("run-state.schema.json")
        assert tools["get_report"].output_schema == schema_json("run-report.schema.json")
        assert tools["get_run"].annotations and tools["get_run"].annotations.read_only_hint
        assert set(tools["submit_step"].input_schema["required"]) == {"run_id", "step_id", "output"}
        static = [str(r.uri) for r in (await client.list_resources()).resources]
        assert static == ["sopc://skills/index.json"]
        templates = sorted(t.uri_template for t in (await client.list_resource_templates()).resource_templates)
        assert templates == ["sopc://runs/{run_id}/report.md", "sopc://skills/{skill_id}/SKILL.md",
                             "sopc://skills/{skill_id}/skill.json"]
        index = json.loads((await client.read_resource("sopc://skills/index.json")).contents[0].text)  # type: ignore[union-attr]
        assert WASH in [s["id"] for s in index["skills"]]
        text = (await client.read_resource(f"sopc://skills/{WASH}/SKILL.md")).contents[0].text  # type: ignore[union-attr]
        assert text == (SKILLS / WASH / "SKILL.md").read_text()
        skill = json.loads((await client.read_resource(f"sopc://skills/{WASH}/skill.json")).contents[0].text)  # type: ignore[union-attr]
        assert skill["triggers"][1]["inputs"] == {"account_id": "/subject/account_id", "start_ts": "/window/start",
                                                  "end_ts": "/window/end"}
        prompts = (await client.list_prompts()).prompts
        assert [p.name for p in prompts] == ["investigate"]
        prompt = await client.get_prompt("investigate", {"alert_name": ALERT["name"], "payload": "{}"})
        assert "find_runbooks(alert='related_account_volume_share')" in prompt.messages[0].content.text  # type: ignore[union-attr]
    in_memory(runs, script)


def test_find_runbooks_names_exact_matches_then_close_ones(runs: Runs) -> None:
    async def script(client: Client) -> None:
        found = structured(await client.call_tool("find_runbooks", {"alert": "related_account_volume_share"}),
                           "runbooks.schema.json")["runbooks"]
        assert (found[0]["id"], found[0]["match"], found[0]["severity"]) == (WASH, "exact", "high")
        assert found[0]["when"].startswith("More than a fifth of an account's daily volume")
        assert [i["name"] for i in found[0]["inputs"]] == ["account_id", "start_ts", "end_ts"]
        close = structured(await client.call_tool("find_runbooks", {"alert": "related_account_volume_shares"}),
                           "runbooks.schema.json")["runbooks"]
        assert (close[0]["id"], close[0]["match"], close[0]["alert"]) == (WASH, "close", "related_account_volume_share")
        none = structured(await client.call_tool("find_runbooks", {"alert": "no_such_thing_at_all"}),
                          "runbooks.schema.json")
        assert none["runbooks"] == []
    in_memory(runs, script)


def test_a_scripted_agent_takes_the_wash_ring_alert_to_a_verified_run_over_stdio(demo: Path, tmp_path: Path) -> None:
    """The issue's script: alert -> runbook -> run -> an invented figure refused -> grounded -> people -> report."""
    server = StdioServerParameters(command=sys.executable, cwd=str(REPO), env={**os.environ},
                                   args=["-m", "compiler", "mcp", "--db", str(demo), "--runs", str(tmp_path / "runs"),
                                         "--skills", str(SKILLS), "--by", "agent-7", "--memory", "512",
                                         "--threads", "1", "--max-temp", "128"])
    seen: dict[str, Any] = {}

    async def agent() -> None:
        async with Client(server) as client:
            found = structured(await client.call_tool("find_runbooks", {"alert": ALERT["name"]}),
                               "runbooks.schema.json")
            sop = found["runbooks"][0]["id"]
            state = structured(await client.call_tool("start_run", {"sop_id": sop, "alert": ALERT}),
                               "run-state.schema.json")
            assert state["inputs"] == {"account_id": "WR-1", "start_ts": "2026-01-05T00:00:00Z",
                                       "end_ts": "2026-01-06T00:00:00Z"}
            assert [s["step"] for s in state["path"]] == ["subject_profile", "market_maker_gate", "group/members",
                                                          "group/corroboration", "group/size", "group",
                                                          "linked_volume", "net_position", "assess"]
            assess = state["path"][-1]
            assert assess["result"] == {"branch": "wash pattern"}
            assert assess["conditions"][0]["reads"]["linked_volume.rows[0].related_match_ratio"] == \
                pytest.approx(0.9949472368212657)
            pending = state["pending"]
            assert (pending["step"], pending["who"], pending["kind"]) == ("draft_narrative", "agent", "agent")
            assert pending["figures"]["results"]["linked_volume"]["rows"][0]["volume_usd"] == pytest.approx(332491.34)
            assert pending["answer_schema"]["required"] == ["narrative", "replay_focus"]
            run_id = state["run_id"]
            refused = refusal(await client.call_tool("submit_step", {
                "run_id": run_id, "step_id": "draft_narrative", "output": INVENTED}))
            assert refused["reason"] == "ungrounded"
            assert [u["text"] for u in refused["ungrounded"]] == ["$340k"]
            assert refused["ungrounded"][0]["nearest"][0]["source"] == "linked_volume.rows[0].volume_usd"
            assert "'$340k' matches no recorded value (nearest: linked_volume.rows[0].volume_usd = 332,491.34" \
                in refused["problems"][0]
            state = structured(await client.call_tool("submit_step", {
                "run_id": run_id, "step_id": "draft_narrative", "output": GROUNDED}), "run-state.schema.json")
            assert state["refused_submissions"] == 1
            checked = state["path"][-1]["grounding"]
            assert [f["text"] for f in checked["figures"]] == ["332,491.34", "$330.8k", "99.5%", "20%", "4",
                                                               "994,114.02"]
            assert [i["identifier"] for i in checked["identifiers"]] == ["WR-1", "WR-2", "WR-3"]
            assert (state["pending"]["step"], state["pending"]["who"]) == ("replay", "person")
            seen["folder"] = state["folder"]
            # People answer outside the agent's session, from the CLI; the agent sees it through get_run.
            answer_by_people(state["folder"], tmp_path, PEOPLE)
            state = structured(await client.call_tool("get_run", {"run_id": run_id}), "run-state.schema.json")
            assert state["status"] == "completed"
            assert state["outcome"] == {"id": "escalated", "title": "Escalated to Compliance; STP forced for the group",
                                        "disposition": "escalated"}
            assert state["pending"] is None
            report = structured(await client.call_tool("get_report", {"run_id": run_id}), "run-report.schema.json")
            jsonschema.Draft202012Validator(json.loads((SKILLS / WASH / "skill.json").read_text())[
                "findings_schema"]).validate(report["report"])
            narrative = next(s for s in report["report"]["steps"] if s["step"] == "draft_narrative")
            assert narrative["grounding"]["checked"] and len(narrative["grounding"]["refused"]) == 1
            assert ("Checked against the record: 6 figures and 3 identifiers match recorded values; "
                    "1 earlier output refused.") in report["markdown"]
            assert "`$330.8k` in narrative is `linked_volume.rows[0].related_volume_usd` = 330,811.34" \
                in report["markdown"]
            assert [a["action"] for a in report["report"]["recommended_actions"]] == ["force_stp"]
            seen["report"] = report

    anyio.run(agent)
    events = records_valid(seen["folder"])
    assert events[0]["started_by"] == "agent-7"
    assert events[0]["limits"] == {"timeout_s": 60.0, "max_rows": 1000, "memory_mb": 512, "threads": 1,
                                   "temp_mb": 128}  # as `sopc mcp` was started
    assert [e["reason"] for e in events if e["type"] == "submission_refused"] == ["ungrounded"]
    assert [e["by"] for e in events if e["type"] == "approval_recorded"] == [["dana.risk"], ["dana.risk"]]
    done = verify(seen["folder"])
    assert done.returncode == 0, done.stdout
    assert "report.json, report.md, report.html: exactly what this record gives, status completed" in done.stdout


def test_every_refusal_is_recorded_and_no_tool_answers_a_person_or_an_approver(runs: Runs, tmp_path: Path) -> None:
    async def script(client: Client) -> None:
        async def submit(step: str, output: Any) -> CallToolResult:
            return await client.call_tool("submit_step", {"run_id": run_id, "step_id": step, "output": output})

        state = structured(await client.call_tool("start_run", {"sop_id": WASH, "alert": ALERT}),
                           "run-state.schema.json")
        run_id, folder = state["run_id"], state["folder"]
        # The agent answering a manual step, before and while it is pending.
        assert refusal(await submit("replay", PEOPLE["replay"]))["reason"] == "not_agent_step"
        assert refusal(await submit("no_such_step", {}))["reason"] == "unknown_step"
        off = refusal(await submit("draft_narrative", {"narrative": "WR-1.", "approved": True}))
        assert off["reason"] == "off_schema"
        assert "'replay_focus' is a required property" in " ".join(off["problems"])
        assert "Additional properties are not allowed ('approved' was unexpected)" in " ".join(off["problems"])
        assert refusal(await submit("draft_narrative", {"narrative": "WR-1 and WR-5.", "replay_focus": "x"}))[
            "unknown_identifiers"][0]["identifier"] == "WR-5"
        structured(await submit("draft_narrative", GROUNDED), "run-state.schema.json")
        twice = refusal(await submit("draft_narrative", GROUNDED))
        assert (twice["reason"], twice["message"]) == ("not_pending", "step 'draft_narrative' already has its "
                                                       "output; the run waits at replay (awaiting_answer)")
        assert refusal(await submit("replay", PEOPLE["replay"]))["reason"] == "not_agent_step"
        # A person answers the replay; the run waits for an approver.
        state = answer_by_people(folder, tmp_path, {"replay": PEOPLE["replay"]})
        assert (state["status"], state["pending"]["who"], state["pending"]["role"]) == \
            ("awaiting_approval", "approver", "risk-manager")
        gate = refusal(await submit("escalate", PEOPLE["escalate"]))
        assert gate["reason"] == "not_agent_step"
        assert "approvers answer it outside the agent's session" in gate["message"]
        assert refusal(await submit("force_stp", PEOPLE["force_stp"]))["reason"] == "not_agent_step"
        state = structured(await client.call_tool("get_run", {"run_id": run_id}), "run-state.schema.json")
        assert (state["status"], state["pending"]["step"]) == ("awaiting_approval", "escalate")
        state = answer_by_people(folder, tmp_path, PEOPLE)
        assert state["status"] == "completed"
        ended = refusal(await submit("draft_narrative", GROUNDED))
        assert ended["reason"] == "run_ended"
        state = structured(await client.call_tool("get_run", {"run_id": run_id}), "run-state.schema.json")
        assert state["refused_submissions"] == 9
        events = records_valid(folder)
        assert [e["reason"] for e in events if e["type"] == "submission_refused"] == [
            "not_agent_step", "unknown_step", "off_schema", "ungrounded", "not_pending", "not_agent_step",
            "not_agent_step", "not_agent_step", "run_ended"]
        assert [e["step"] for e in events if e["type"] == "answer_recorded"] == ["draft_narrative", "replay"]
        assert [e["recorded_by"] for e in events if e["type"] == "approval_recorded"] == ["lee.analyst"] * 2
        done = verify(folder)
        assert done.returncode == 0, done.stdout
        unknown = await client.call_tool("get_run", {"run_id": "../../etc"})
        assert unknown.is_error and "no run '../../etc'" in unknown.content[0].text  # type: ignore[union-attr]
    in_memory(runs, script)


def test_two_clients_submitting_to_one_run_at_once_one_wins_and_the_chain_holds(runs: Runs) -> None:
    server = build_server(runs)
    results: list[CallToolResult] = []

    async def main() -> None:
        async with Client(server) as first, Client(server) as second:
            state = structured(await first.call_tool("start_run", {"sop_id": WASH, "alert": ALERT}),
                               "run-state.schema.json")
            arguments = {"run_id": state["run_id"], "step_id": "draft_narrative", "output": GROUNDED}

            async def submit(client: Client) -> None:
                results.append(await client.call_tool("submit_step", arguments))

            async with anyio.create_task_group() as group:
                group.start_soon(submit, first)
                group.start_soon(submit, second)
            results.append(await first.call_tool("get_run", {"run_id": state["run_id"]}))

    anyio.run(main)
    *both, final = results
    won = [r for r in both if not r.is_error]
    lost = [r for r in both if r.is_error]
    assert len(won) == 1 and len(lost) == 1
    message = lost[0].content[0].text  # type: ignore[union-attr]
    assert ("is being written by another client (a submission or a resume); call get_run" in message
            or "already has its output" in message), message
    folder = final.structured_content["folder"]  # type: ignore[index]
    events = records_valid(folder)
    assert [e["step"] for e in events if e["type"] == "answer_recorded"] == ["draft_narrative"]
    assert verify(folder).returncode == 0


def test_start_run_refuses_bad_alerts_and_inputs_without_writing_a_run(runs: Runs) -> None:
    async def script(client: Client) -> None:
        async def start(**arguments: Any) -> str:
            result = await client.call_tool("start_run", {"sop_id": WASH, **arguments})
            assert result.is_error
            return str(result.content[0].text)  # type: ignore[union-attr]

        assert "give either inputs or an alert" in await start()
        assert "has no trigger for alert 'other_alert'" in await start(alert={"name": "other_alert", "payload": {}})
        assert "carries no value for account_id (at /subject/account_id)" in await start(
            alert={"name": ALERT["name"], "payload": {"window": ALERT["payload"]["window"]}})
        assert "The review window must end after it starts" in await start(inputs={
            "account_id": "WR-1", "start_ts": "2026-01-06T00:00:00Z", "end_ts": "2026-01-05T00:00:00Z"})
        result = await client.call_tool("start_run", {"sop_id": "../skills", "inputs": {}})
        assert result.is_error and "no compiled skill '../skills'" in result.content[0].text  # type: ignore[union-attr]
    in_memory(runs, script)
    assert not runs.out.exists() or not any(runs.out.iterdir())


def test_start_run_records_the_alert_and_case_for_the_report(runs: Runs) -> None:
    async def script(client: Client) -> None:
        alert = {**ALERT, "id": "AL-20260106-0042", "ts": "2026-01-06T00:05:00Z"}
        state = structured(await client.call_tool("start_run", {"sop_id": WASH, "alert": alert,
                                                               "case_id": "CM-2026-0117"}), "run-state.schema.json")
        first = read_events(Path(state["folder"]) / "events.jsonl")[0][0]
        assert first["alert"] == {"id": "AL-20260106-0042", "name": ALERT["name"], "ts": "2026-01-06T00:05:00Z"}
        assert first["case_id"] == "CM-2026-0117"
        assert "alert AL-20260106-0042 (related_account_volume_share, raised 2026-01-06 00:05 UTC); case " \
               "CM-2026-0117." in (Path(state["folder"]) / "report.md").read_text(encoding="utf-8")
        refused = await client.call_tool("start_run", {"sop_id": WASH, "alert": {**alert, "ts": "tomorrow"}})
        assert refused.is_error and "RFC 3339" in refused.content[0].text  # type: ignore[union-attr]
    in_memory(runs, script)


def test_sopc_run_format_json_prints_the_state_get_run_returns(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "runs"
    done = subprocess.run([*SOPC, "run", WASH, "--db", str(demo), "--out", str(out), "-i", "account_id=WR-1",
                           "-i", "start_ts=2026-01-05T00:00:00Z", "-i", "end_ts=2026-01-06T00:00:00Z",
                           "--format", "json", "--by", "sam"], capture_output=True, text=True, cwd=REPO, check=False)
    assert done.returncode == 4, done.stderr
    printed = valid(json.loads(done.stdout), "run-state.schema.json")
    assert printed == Runs(demo, out, SKILLS).get(printed["run_id"])
    assert printed["pending"]["who"] == "agent"
    assert printed["pending"]["how"] == f"submit_step(run_id={printed['run_id']!r}, step_id='draft_narrative', output=...)"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_streamable_http_on_loopback(demo: Path, tmp_path: Path) -> None:
    port = _free_port()
    process = subprocess.Popen([*SOPC, "mcp", "--db", str(demo), "--runs", str(tmp_path / "runs"), "--skills",
                                str(SKILLS), "--http", f"127.0.0.1:{port}"], cwd=REPO, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)

        async def main() -> list[str]:
            async with Client(f"http://127.0.0.1:{port}/mcp") as client:
                found = await client.call_tool("find_runbooks", {"alert": ALERT["name"]})
                return [r["id"] for r in structured(found, "runbooks.schema.json")["runbooks"]]

        assert anyio.run(main) == [WASH]
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize(("arguments", "message"), [
    (["--http", "0.0.0.0:8765"], "give a loopback address and port"),
    (["--http", "127.0.0.1:notaport"], "give a loopback address and port"),
    (["--skills", "no-such-folder"], "no compiled skills in no-such-folder"),
    (["--memory", "10"], "Invalid value for '--memory'"),
])
def test_sopc_mcp_refuses_bad_options_in_one_line(demo: Path, arguments: list[str], message: str) -> None:
    done = subprocess.run([*SOPC, "mcp", "--db", str(demo), *arguments], capture_output=True, text=True, cwd=REPO,
                          check=False, timeout=60)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
