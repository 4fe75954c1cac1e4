"""`sopc mcp`: the compiled skills and the runner over the Model Context Protocol (the official Python SDK).

A thin layer: each tool turns its arguments into one call of the runner's
API (`compiler.runner.session.Runs`) and its answer into structured content
that validates against a schema in schema/ (runbooks, run-state,
run-report). Nothing of the runner's logic lives here. The machine computes,
the agent judges, people approve: the only tool that writes to a run is
submit_step, and it takes the output of a pending `agent` step only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError
from mcp.server.mcpserver.tools import Tool
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field

from compiler.files import UsageError
from compiler.resources import schema_json
from compiler.runner.run import REPORT_MD, RUN_ID
from compiler.runner.session import Refused, Runs

INSTRUCTIONS = """\
sopc runs a risk team's standard operating procedures (SOPs) against exchange data. The machine computes,
you judge, people approve. find_runbooks(alert) names the SOPs for an alert; start_run runs every query,
check and decision and stops at the first step someone must act on. Answer only steps whose pending.who is
"agent", with submit_step: cite figures and account ids exactly as the run recorded them (pending.figures);
every number and id you write is checked against the record, and an output with a figure or id the run has
not recorded is refused with the nearest recorded values. Manual steps and approvals belong to people, who
answer them outside your session; follow their progress with get_run. Never claim an action was taken:
sopc only recommends actions.
"""


def _result(value: dict[str, Any]) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=json.dumps(value, ensure_ascii=False))],
                          structured_content=value)


def _error(message: str, detail: dict[str, Any] | None = None) -> CallToolResult:
    text = message if detail is None else f"{message}\n{json.dumps(detail, ensure_ascii=False)}"
    return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)


def _call(work: Callable[[], dict[str, Any]]) -> CallToolResult:
    """One call of the runner's API as a tool result: refusals and usage errors are errors the agent can read."""
    try:
        return _result(work())
    except Refused as refused:
        return _error(f"refused: {refused}", {"refusal": refused.refusal, "state": refused.state})
    except UsageError as err:
        return _error(str(err))


def _tool(fn: Callable[..., CallToolResult], name: str, schema: str, description: str, *,
          read_only: bool) -> Tool:
    """A tool whose output schema is the one published in schema/ (validated by clients and by the tests)."""
    tool = Tool.from_function(fn, name=name, description=description,
                              annotations=ToolAnnotations(read_only_hint=read_only, destructive_hint=False,
                                                          idempotent_hint=read_only, open_world_hint=False))
    tool.fn_metadata.output_schema = schema_json(schema)
    return tool


def build_server(runs: Runs, *, by: str = "agent") -> MCPServer:
    """The MCP server over one runs folder, one skills folder and one data source; by: who the agent is in records."""

    def find_runbooks(alert: Annotated[str, Field(description="The alert's name, e.g. related_account_volume_share")],
                      ) -> CallToolResult:
        return _call(lambda: {"alert": alert, "runbooks": runs.find(alert)})

    def start_run(sop_id: Annotated[str, Field(description="The skill's id, from find_runbooks")],
                  inputs: Annotated[dict[str, Any] | None, Field(
                      description="Typed inputs by name (or give alert instead)")] = None,
                  alert: Annotated[dict[str, Any] | None, Field(
                      description="The alert as {id, name, ts, payload}: the skill's trigger maps its inputs from "
                                  "the payload (find_runbooks shows the JSON pointers); id, name and ts are "
                                  "recorded and named in the report")] = None,
                  case_id: Annotated[str | None, Field(
                      description="The case the run belongs to (recorded, named in the report)")] = None,
                  ) -> CallToolResult:
        return _call(lambda: runs.start(sop_id, by=by, inputs=inputs, alert=alert, case_id=case_id))

    def get_run(run_id: str) -> CallToolResult:
        return _call(lambda: runs.get(run_id))

    def submit_step(run_id: str, step_id: Annotated[str, Field(description="The pending agent step's id")],
                    output: Annotated[dict[str, Any], Field(
                        description="The step's output, fitting pending.answer_schema")]) -> CallToolResult:
        return _call(lambda: runs.submit(run_id, step_id, output, by=by))

    def get_report(run_id: str) -> CallToolResult:
        return _call(lambda: runs.report(run_id))

    tools = [
        _tool(find_runbooks, "find_runbooks", "runbooks.schema.json", read_only=True, description=(
            "The runbooks (compiled SOPs) whose triggers name this alert, exact name first, then close matches: "
            "id, title, version, severity, the trigger's sentence, the inputs it needs and how the alert fills them.")),
        _tool(start_run, "start_run", "run-state.schema.json", read_only=False, description=(
            "Start a run of a skill from typed inputs or from an alert {name, payload}. sopc runs every query, "
            "check and decision itself and returns the run state at the first step someone must act on "
            "(pending.who: agent, person or approver), or the outcome.")),
        _tool(get_run, "get_run", "run-state.schema.json", read_only=True, description=(
            "The run state now: path so far with the values each condition read, the pending step and who must "
            "act, the outcome. People answer manual steps and approvals outside this session; this shows it.")),
        _tool(submit_step, "submit_step", "run-state.schema.json", read_only=False, description=(
            "Give the pending agent step its output. It must fit the step's schema, and every figure and "
            "identifier in it must be one the run recorded (rounding to the digits you show is fine; sums you "
            "work out are not): otherwise it is refused with what did not match and the nearest recorded values, "
            "and the refusal is recorded. Manual steps, approvals and actions are refused: people do those.")),
        _tool(get_report, "get_report", "run-report.schema.json", read_only=True, description=(
            "The run's findings: report.json (valid against the skill's findings schema) and report.md.")),
    ]
    try:
        release = version("sopc")
    except PackageNotFoundError:  # run from a source tree that was never installed
        release = ""
    server: MCPServer = MCPServer(name="sopc", title="sopc: risk SOPs as code", instructions=INSTRUCTIONS,
                                  version=release, tools=tools, log_level="WARNING")

    def skill_file(skill_id: str, name: str) -> str:
        path = runs.skills / skill_id / name
        if not RUN_ID.fullmatch(skill_id) or not path.is_file():
            raise ResourceError(f"no compiled skill {skill_id!r}")
        return path.read_text(encoding="utf-8")

    @server.resource("sopc://skills/index.json", mime_type="application/json",
                     description="The catalog of compiled skills: id, version, status, digest, title, triggers.")
    def skills_index() -> str:
        return (runs.skills / "index.json").read_text(encoding="utf-8")

    @server.resource("sopc://skills/{skill_id}/SKILL.md", mime_type="text/markdown",
                     description="A skill's instructions in the Agent Skills format.")
    def skill_md(skill_id: str) -> str:
        return skill_file(skill_id, "SKILL.md")

    @server.resource("sopc://skills/{skill_id}/skill.json", mime_type="application/json",
                     description="A compiled skill: inputs, thresholds, steps, outcomes, findings schema.")
    def skill_json(skill_id: str) -> str:
        return skill_file(skill_id, "skill.json")

    @server.resource("sopc://runs/{run_id}/report.md", mime_type="text/markdown",
                     description="A run's findings report for Compliance.")
    def report_md(run_id: str) -> str:
        try:
            return (runs.folder(run_id) / REPORT_MD).read_text(encoding="utf-8")
        except (UsageError, OSError) as err:
            raise ResourceError(f"no report for run {run_id!r}") from err

    @server.prompt(name="investigate", description="Investigate an alert with sopc's runbooks: the steps to take.")
    def investigate(alert_name: str, payload: str = "{}") -> str:
        return (f"Investigate the alert {alert_name!r} with sopc. Its payload:\n{payload}\n\n"
                f"1. find_runbooks(alert={alert_name!r}) and pick the exact match (an active skill).\n"
                f"2. start_run(sop_id=<its id>, alert={{\"name\": {alert_name!r}, \"payload\": <the payload>}}).\n"
                "3. While pending.who is \"agent\": read pending.instruction and pending.figures, then "
                "submit_step with an output that fits pending.answer_schema. Cite figures and ids exactly as "
                "recorded; if refused, read the problems and nearest recorded values, correct, and submit again.\n"
                "4. When pending.who is \"person\" or \"approver\", stop: tell the user which step waits for whom "
                "(pending.how says how they answer). Check back with get_run.\n"
                "5. When status is completed, get_report and summarise the outcome, the figures and the "
                "recommended actions (never carried out by sopc).\n\n" + INSTRUCTIONS)

    return server
