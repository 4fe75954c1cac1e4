"""The `sopc` command line: turns options into calls; all work happens elsewhere.

Exit status: 0 clean, 1 problems found, 2 usage error (3 is a bug in sopc). No input makes sopc
print a traceback: problems in SOPs are diagnostics, problems with the
command line are one-line messages.
"""

from __future__ import annotations

import datetime
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from compiler.domains import DOMAINS
from compiler.files import UsageError
from compiler.i18n.prose import LANGUAGES

if TYPE_CHECKING:
    from compiler.approvers import Registry
    from compiler.runner.sparkconf import SparkOptions
    from compiler.runner.worker import Limits

FORMATS = ("text", "json", "github")


def _today(value: str | None) -> datetime.date:
    if value is None:
        return datetime.date.today()
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as err:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint="--today") from err


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sopc", prog_name="sopc")
def cli() -> None:
    """Compile risk SOPs into agent skills and a runbook site."""


_NEW = "sopc new ID --domain DOMAIN --title TITLE"


def _library(paths: tuple[str, ...]) -> tuple[str, ...]:
    """The SOP files and folders given, or sops/; without either, a one-line UsageError saying how to start."""
    if paths:
        return paths
    if not Path("sops").is_dir():
        raise UsageError(f"no sops/ folder in {Path.cwd()}: run sopc in a project folder, or start one with: "
                         f"sopc init, then {_NEW}")
    return ("sops",)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Output format; github prints workflow annotations.")
@click.option("--strict", is_flag=True, help="Treat warnings (such as a passed review date) as errors.")
@click.option("--today", metavar="YYYY-MM-DD", help="Date to check review_by against (default: today).")
@click.option("--approvers", "registry", type=click.Path(dir_okay=False),
              help="Approver registry to check too (default: approvers.yaml in each folder given).")
@click.option("--no-cache", is_flag=True, help="Check every file again, without reading or writing .sopc-cache/.")
def validate(paths: tuple[str, ...], fmt: str, strict: bool, today: str | None, registry: str | None,
             no_cache: bool) -> None:
    """Check SOP files (default: sops/) and the approver registry beside them; report every problem at once."""
    from compiler.check import check_files
    from compiler.diagnostics import has_errors
    from compiler.files import REGISTRY, discover, read_all
    from compiler.reporters import REPORTERS
    from compiler.results_cache import folder

    folders = _library(paths)
    registries = [Path(registry)] if registry else [Path(f) / REGISTRY for f in folders if (Path(f) / REGISTRY).is_file()]
    files = read_all(discover(folders))
    if not files and not registries:
        raise UsageError(f"no SOP files (*.yaml) found in {', '.join(folders)}; write one with: {_NEW}")
    checked = check_files(files, _today(today), strict=strict, cache=None if no_cache else folder(Path.cwd()),
                          models=False)
    diagnostics = list(checked.diagnostics)
    for path, raw in read_all(registries):
        from compiler.approvers import check_registry

        found = check_registry(path, raw, _today(today))[1]
        diagnostics += [d.escalated() for d in found] if strict else found
    click.echo(REPORTERS[fmt](tuple(sorted(diagnostics)), len(files) + len(registries)), nl=False)
    sys.exit(1 if has_errors(diagnostics) else 0)


@cli.command()
@click.argument("folder", default=".", type=click.Path(file_okay=False))
def init(folder: str) -> None:
    """Start a project in FOLDER: the runbook site's configuration and pages, the schemas editors read for
    completion, and a .gitignore for what sopc writes again. A file already there is kept."""
    import shlex

    from compiler.project import BrokenInstall
    from compiler.project import init as start_project

    root = Path(folder)
    try:
        written, kept = start_project(root)
    except BrokenInstall as err:
        raise UsageError(str(err)) from err
    except OSError as err:
        where = f" {err.filename}" if err.filename else ""
        raise UsageError(f"cannot write in {root}:{where}: {err.strerror or err}") from err
    for name in kept:
        click.echo(f"kept {root / name} (already there)")
    click.echo(f"wrote {len(written)} files in {root}" + (f"; kept {len(kept)}" if kept else ""))
    enter = "" if root == Path(".") else f"cd {shlex.quote(str(root))} && "
    click.echo(f"next: {enter}{_NEW}, then sopc serve")


@cli.command()
@click.argument("sop_id", metavar="ID")
@click.option("--domain", required=True,
              type=click.Choice(DOMAINS), help="Risk domain; the file goes to sops/DOMAIN/.")
@click.option("--title", required=True, help="Human title of the SOP.")
@click.option("--root", default="sops", show_default=True, type=click.Path(file_okay=False),
              help="Folder of the SOP library.")
def new(sop_id: str, domain: str, title: str, root: str) -> None:
    """Write sops/DOMAIN/ID.yaml from a template that validates."""
    from compiler.files import write_atomic
    from compiler.scaffold import SLUG, render

    if not SLUG.match(sop_id) or len(sop_id) > 64:
        raise UsageError(f"{sop_id!r} is not a valid id: use lowercase letters, digits and single hyphens")
    if len(title.strip()) < 3 or not title.isprintable():
        raise UsageError("the title must be one line of at least 3 printable characters (no control characters "
                         "or terminal escapes)")
    target = Path(root) / domain / f"{sop_id}.yaml"
    text = render(sop_id, domain, title.strip(), datetime.date.today())
    try:
        write_atomic(target, text.encode("utf-8"), exclusive=True)
    except FileExistsError as err:
        raise UsageError(f"{target} already exists; sopc new never overwrites a file") from err
    except OSError as err:
        raise UsageError(f"cannot write {target}: {err.strerror}") from err
    click.echo(f"wrote {target}\nnext: edit it, then run: sopc validate {target}")


@cli.command()
@click.argument("sop_id", metavar="ID")
@click.option("--lang", required=True, type=click.Choice(sorted(LANGUAGES)), help="Language of the translation.")
@click.option("--root", default="sops", show_default=True, type=click.Path(file_okay=False),
              help="Folder of the SOP library.")
def translate(sop_id: str, lang: str, root: str) -> None:
    """Write or refresh sops/DOMAIN/ID.LANG.yaml: every prose field, new ones marked untranslated, changed ones stale.

    Nothing is translated by the tool. A translator edits `text` and deletes
    the marks; running the command again records the hashes of the English.
    """
    from compiler.files import discover, write_atomic
    from compiler.i18n.skeleton import refresh, render
    from compiler.yamlload import load_bytes

    sop_path = next((p for p in discover((root,)) if p.name == f"{sop_id}.yaml"), None)
    if sop_path is None:
        raise UsageError(f"no {sop_id}.yaml under {root}")
    doc, _ = load_bytes(str(sop_path), sop_path.read_bytes())
    if doc is None:
        raise UsageError(f"{sop_path} does not load; run: sopc validate {sop_path}")
    target = sop_path.with_name(f"{sop_id}.{lang}.yaml")
    old = None
    if target.is_file():
        from compiler.lint.translations import read_translation

        old_doc, problems = load_bytes(str(target), target.read_bytes())
        old, problems = read_translation(old_doc, {sop_id: doc}) if old_doc else (None, problems)
        if old is None:
            first = problems[0]
            raise UsageError(f"{target}:{first.line}:{first.col}: {first.message}; fix it first")
    refreshed = refresh(doc.data, old)
    write_atomic(target, render(sop_id, lang, refreshed.entries).encode("utf-8"))
    click.echo(f"wrote {target}: {refreshed.summary()}")
    for what in ("stale", "added", "untranslated"):
        for pointer in getattr(refreshed, what):
            click.echo(f"  {what}: {pointer}")
    for pointer in refreshed.dropped:
        click.echo(f"  dropped: {pointer}")


@cli.command()
@click.option("--root", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Project folder holding sops/, skills/ and site/.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if skills/ is not what a build would write.")
@click.option("--drafts", is_flag=True, help="Also show draft SOPs on the site (never exported as skills).")
@click.option("--no-site", is_flag=True, help="Compile the skills only.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Format of diagnostics when an SOP has errors.")
@click.option("--today", metavar="YYYY-MM-DD", help="Date to check review_by against (default: today).")
def build(root: str, check: bool, drafts: bool, no_site: bool, fmt: str, today: str | None) -> None:
    """Compile every SOP into skills/ and the runbook pages into site/docs/."""
    from compiler.build import build as run_build
    from compiler.reporters import REPORTERS

    result = run_build(Path(root), _today(today), check=check, drafts=drafts, site=not no_site)
    if not result.checked.ok:
        click.echo(REPORTERS[fmt](result.checked.diagnostics, len(result.checked.sops)), nl=False)
        click.echo("sopc: build stopped: fix the errors above; nothing was written", err=True)
        sys.exit(1)
    if result.problems:
        from compiler.skill.versions import version_diagnostics

        found = version_diagnostics(result.problems, result.checked.documents)
        click.echo(REPORTERS[fmt](found, len(result.checked.sops)), nl=False)
        click.echo("sopc: build stopped: version problems; nothing was written", err=True)
        sys.exit(1)
    if check:
        if result.differences:
            click.echo("\n".join(result.differences))
            click.echo(f"sopc: skills/ is not current ({len(result.differences)} files differ); run: sopc build",
                       err=True)
            sys.exit(1)
        click.echo(f"skills/ is current ({result.skills} skills)")
        return
    click.echo(f"compiled {result.skills} skills; "
               + (f"wrote {', '.join(result.written)}" if result.written else "nothing changed, nothing written"))
    left_out = sum(entry.status == "draft" for entry in result.checked.entries.values())
    if left_out:
        click.echo(f"drafts not compiled: {left_out} SOP{'s' if left_out > 1 else ''} with status: draft"
                   + ("" if no_site or drafts else " (sopc build --drafts shows drafts on the site)"))
    if not no_site:
        config = Path(root) / "site" / "mkdocs.yml"
        click.echo(f"site pages are in {Path(root) / 'site' / 'docs'}; "
                   + (f"HTML: mkdocs build -f {config}" if config.is_file()
                      else f"there is no {config} to build them with: sopc init adds the site's configuration"))


@cli.command()
@click.option("--root", default=".", show_default=True, type=click.Path(file_okay=False, exists=True),
              help="Repository holding sops/, skills/ and site/mkdocs.yml.")
@click.option("--addr", "--dev-addr", "addr", default="127.0.0.1:8000", show_default=True, metavar="IP:PORT",
              help="Address the preview listens on.")
@click.option("--drafts/--no-drafts", default=True, show_default=True, help="Show draft SOPs.")
@click.option("--today", metavar="YYYY-MM-DD", help="Date to flag review_by against (default: today).")
@click.option("--zensical", type=click.Path(dir_okay=False, exists=True), metavar="PATH",
              help="Serve with this zensical executable instead of MkDocs (Zensical is not in the lock).")
def serve(root: str, addr: str, drafts: bool, today: str | None, zensical: str | None) -> None:
    """Preview the runbook site locally, regenerating pages when an SOP file changes."""
    from compiler.serve import serve as run_preview

    def echo(message: str) -> None:
        click.echo(message)
        sys.stdout.flush()

    day = _today(today) if today else None
    sys.exit(run_preview(Path(root), addr, drafts=drafts, today=day, echo=echo,
                         zensical=Path(zensical).resolve() if zensical else None))


@cli.command("demo-data")
@click.option("--out", type=click.Path(dir_okay=True), help="A .duckdb file, or a folder for one Parquet file per table.")
@click.option("--scale", type=click.IntRange(1, 100_000), default=1, show_default=True,
              help="Size of the background: about 5,000 trades per unit (2,000 gives 10 million).")
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=7, show_default=True,
              help="Seed of the background; cases never change.")
@click.option("--list", "list_cases", is_flag=True, help="List the injected cases and exit.")
@click.option("--alerts", type=click.Path(dir_okay=False), metavar="FILE.jsonl",
              help="Also write alerts on the demo cases, made from the library's scenarios (for sopc triage).")
@click.option("--alerts-count", type=click.IntRange(1, 10_000_000), default=100, show_default=True,
              help="How many alerts --alerts writes (cycling over every SOP's demo scenarios).")
@click.option("--sops", default="sops", show_default=True, type=click.Path(file_okay=False),
              help="The SOP library the alerts are made from.")
def demo_data(out: str | None, scale: int, seed: int, list_cases: bool, alerts: str | None, alerts_count: int,
              sops: str) -> None:
    """Write a deterministic synthetic exchange with injected risk cases and benign look-alikes."""
    from compiler.demo.catalog import cases

    if alerts:
        _demo_alerts(Path(alerts), alerts_count, sops)
        if out is None:
            return
    if list_cases:
        for case in cases().values():
            kind = "look-alike" if case.benign else "injected"
            subjects = ", ".join(f"{k}={v}" for k, v in case.subjects.items())
            click.echo(f"{case.name:<28} {case.typology:<22} {kind:<10} {subjects}\n    {case.summary}")
        return
    if out is None:
        raise UsageError("give --out FILE.duckdb or --out FOLDER (or --list)")
    from compiler.demo.generate import generate

    summary = generate(Path(out), scale, seed)
    total = sum(summary.rows.values())
    click.echo(f"wrote {summary.path}: {total:,} rows, {summary.rows['trades']:,} trades, "
               f"{len(cases())} cases (sopc demo-data --list)")


def _demo_alerts(target: Path, count: int, sops: str) -> None:
    import json

    from compiler.check import check_files
    from compiler.demo.alerts import demo_alerts
    from compiler.files import discover, read_all, write_atomic

    checked = check_files(read_all(discover((sops,))), datetime.date.today())
    if not checked.ok:
        raise UsageError(f"the SOPs in {sops} have errors; run: sopc validate {sops}")
    made = demo_alerts(checked.sops, count)
    if not made:
        raise UsageError(f"no SOP in {sops} has a demo-data scenario and a trigger that maps its inputs")
    write_atomic(target, "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in made).encode())
    names = len({a["name"] for a in made})
    click.echo(f"wrote {target}: {len(made):,} alerts of {names} alert types")


def _engine_options(command: Callable[..., None]) -> Callable[..., None]:
    """--engine, --spark-master and --spark-conf, shared by run, test, triage and mcp: the command is called
    with them as one value, `spark` (SparkOptions for Apache Spark, None for DuckDB)."""

    @functools.wraps(command)
    def with_engine(*args: Any, engine: str, spark_master: str | None, spark_conf: tuple[str, ...],
                    **kwargs: Any) -> None:
        command(*args, spark=_spark_options(engine, spark_master, spark_conf), **kwargs)

    options = [
        click.option("--engine", type=click.Choice(("duckdb", "spark")), default="duckdb", show_default=True,
                     help="Query engine: embedded DuckDB, or Apache Spark (Parquet folders, catalogs)."),
        click.option("--spark-master", metavar="URL",
                     help="Where Spark runs: a cluster's master URL (default: local[--threads])."),
        click.option("--spark-conf", "spark_conf", multiple=True, metavar="KEY=VALUE",
                     help="A Spark setting (repeat), e.g. spark.executor.memory=4g."),
    ]
    decorated: Callable[..., None] = with_engine
    for option in reversed(options):
        decorated = option(decorated)
    return decorated


def _spark_options(engine: str, master: str | None, conf: tuple[str, ...]) -> SparkOptions | None:
    """Spark's options from the command line (None for DuckDB); a bad one is a usage error."""
    from compiler.runner.errors import RunError
    from compiler.runner.sparkconf import SparkOptions, parse_conf

    if engine != "spark":
        if master or conf:
            raise UsageError("--spark-master and --spark-conf need --engine spark")
        return None
    try:
        options = SparkOptions(master, parse_conf(conf))
        options.session(1024, 2)
    except RunError as err:
        raise UsageError(str(err)) from err
    return options


def _readable_source(db: str, limits: Limits, spark: SparkOptions | None) -> None:
    """A --db the runs could not read is a usage error now, not a failed run later. On Spark (a file, a missing
    folder, a bad catalog name) it is checked without starting Spark, which starts at the first run; on DuckDB a
    worker opens the data as a run would, so a file DuckDB cannot read is said now."""
    from compiler.runner.database import Database
    from compiler.runner.errors import RunError
    from compiler.runner.sparkconf import spark_data

    try:
        if spark is not None:
            spark_data(db)
            return
        database = Database.open(Path(db), limits)
        try:
            database.ready()
        finally:
            database.close()
    except RunError as err:
        raise UsageError(str(err)) from err


@cli.command("test")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--min-coverage", type=click.FloatRange(0, 100), metavar="P",
              help="Fail when an SOP's branch coverage is below P percent.")
@click.option("--out", type=click.Path(file_okay=False), help="Keep each scenario's run record here.")
@click.option("--today", metavar="YYYY-MM-DD", help="Date to check review_by against (default: today).")
@_engine_options
def test_command(paths: tuple[str, ...], min_coverage: float | None, out: str | None, today: str | None,
                 spark: SparkOptions | None) -> None:
    """Run every SOP's test scenarios through the runner and report branch coverage."""
    import tempfile

    from compiler.check import check_files
    from compiler.files import discover, read_all
    from compiler.reporters import REPORTERS
    from compiler.runner.database import Database
    from compiler.runner.scenarios import SopResult, render, test_skill
    from compiler.skill.compile import compile_skill

    if out and Path(out).is_dir() and any(Path(out).iterdir()):
        raise UsageError(f"--out {out} is not empty; records are never overwritten")

    folders = _library(paths)
    files = read_all(discover(folders))
    if not files:
        raise UsageError(f"no SOP files (*.yaml) found in {', '.join(folders)}; write one with: {_NEW}")
    tested = {path for path, _ in files}
    if paths and Path("sops").is_dir():  # the SOPs the tested ones include come from the library
        known = {Path(path).resolve() for path in tested}
        files += [(path, raw) for path, raw in read_all(discover(("sops",))) if Path(path).resolve() not in known]
    checked = check_files(files, _today(today))
    problems = tuple(d for d in checked.diagnostics if d.path in tested)
    if any(d.severity.value == "error" for d in problems):
        click.echo(REPORTERS["text"](problems, len(tested)), nl=False)
        click.echo("sopc: fix the errors above before testing", err=True)
        sys.exit(1)
    library = {s.id: s for s in checked.sops}
    documents = {s.id: d for s, d in zip(checked.sops, checked.documents, strict=True)}
    with tempfile.TemporaryDirectory(prefix="sopc-demo-") as scratch:
        # Spark reads the demo exchange as a folder of Parquet files, DuckDB from its own file.
        demo_file = Path(scratch) / ("demo" if spark else "demo.duckdb")

        def demo() -> Database:
            if not demo_file.exists():
                from compiler.demo.generate import generate

                generate(demo_file)
            return Database.open(demo_file, spark=spark)

        results: list[SopResult] = []
        for sop, doc in sorted(zip(checked.sops, checked.documents, strict=True), key=lambda p: p[0].id):
            if sop.path not in tested:
                continue
            skill = compile_skill(sop, doc, library, documents)
            results.append(test_skill(skill, sop.tests, demo, Path(out) if out else None, spark))
    text, ok = render(results, min_coverage)
    click.echo(text, nl=False)
    sys.exit(0 if ok else 1)


def _limit_options(command: Callable[..., None]) -> Callable[..., None]:
    """What each run may spend, the same five options for sopc run, mcp and triage (they name Limits' fields)."""
    options = [
        click.option("--timeout", "timeout_s", type=click.FloatRange(0.1, 86_400), default=60.0, show_default=True,
                     help="Time limit of each query, in seconds."),
        click.option("--max-rows", type=click.IntRange(1, 1_000_000), default=1000, show_default=True,
                     help="Rows of each query kept in the record and visible to conditions (the count is always "
                          "exact)."),
        click.option("--memory", "memory_mb", type=click.IntRange(64, 1 << 20), default=1024, show_default=True,
                     metavar="MB", help="DuckDB's memory limit (Spark: the driver's heap); a query needing more is "
                          "stopped."),
        click.option("--threads", type=click.IntRange(1, 256), default=2, show_default=True,
                     help="DuckDB's threads (Spark: the N of local[N])."),
        click.option("--max-temp", "temp_mb", type=click.IntRange(0, 1 << 24), default=1024, show_default=True,
                     metavar="MB", help="What DuckDB may spill to its temporary directory."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


RUN_EXIT = {"completed": 0, "failed": 1, "approval_refused": 1, "awaiting_approval": 4, "awaiting_answer": 4}


def _answers_file(path: str | None) -> dict[str, object]:
    if path is None:
        return {}
    from compiler.runner.answers import load_answers

    return load_answers(Path(path))


def _run_inputs(skill: dict[str, Any], pairs: tuple[str, ...], alert_file: str | None,
                alert_id: str | None) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """A new run's inputs (from -i pairs or from the alert's payload) and the alert to record."""
    from compiler.runner.alerts import inputs_from_alert
    from compiler.runner.inputs import parse_pairs
    from compiler.runner.origin import read_alert

    if alert_file is None:
        return parse_pairs(pairs, skill["inputs_schema"]), {"id": alert_id} if alert_id is not None else None
    if pairs:
        raise UsageError("give the inputs with -i or take them from --alert, not both (with -i, name the alert "
                         "with --alert-id)")
    if alert_id is not None:
        raise UsageError("--alert-id: the alert file names the alert (its id)")
    alert = read_alert(Path(alert_file))
    return inputs_from_alert(skill, alert), {k: alert[k] for k in ("id", "name", "ts") if k in alert}


@cli.command()
@click.argument("sop_id", metavar="SOP_ID", required=False)
@click.option("--db", "db", type=click.Path(),
              help="A .duckdb file or a folder of <table>.parquet/.csv files; on Spark a Parquet folder or "
                   "catalog:DATABASE.")
@click.option("--input", "-i", "pairs", multiple=True, metavar="NAME=VALUE", help="An input of the skill (repeat).")
@click.option("--answers", type=click.Path(dir_okay=False), help="YAML/JSON answers by step id (human steps, approvals).")
@click.option("--out", default="runs", show_default=True, type=click.Path(file_okay=False),
              help="Folder that receives <run-id>/ with events.jsonl, report.json and report.md.")
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False), metavar="RUN",
              help="Continue a paused, failed or interrupted run (its folder).")
@click.option("--skills", default="skills", show_default=True, type=click.Path(file_okay=False),
              help="Folder of compiled skills.")
@click.option("--by", default=lambda: os.environ.get("SOPC_USER", ""),
              help="Who runs it (recorded; may not approve their own run); required unless $SOPC_USER names them.")
@click.option("--approvers", "registry", type=click.Path(dir_okay=False),
              help="Approver registry: only signed approvals verifying against it count "
                   "(default: sops/approvers.yaml if it exists; without one, approvals are unverified names).")
@click.option("--run-id", help="Name of the run folder (default: <sop>-<UTC time>-<random>).")
@click.option("--alert", "alert_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Start from an alert, a JSON file {id, name, ts, payload}: the inputs come from its payload "
                   "through the SOP's trigger, and its id, name and time are recorded and named in the report.")
@click.option("--alert-id", help="The id of the alert this run is for (recorded, named in the report).")
@click.option("--case-id", help="The case this run belongs to (recorded, named in the report).")
@_limit_options
@click.option("--no-prompt", is_flag=True, help="Never ask on the terminal; pause instead.")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True,
              help="json: print the run-state object (schema/run-state.schema.json), as sopc mcp returns it.")
@click.option("--lang", type=click.Choice(["en", *sorted(LANGUAGES)]), default="en", show_default=True,
              help="Language of report.md and report.html (recorded with the run; a resume keeps it).")
@_engine_options
def run(sop_id: str | None, db: str | None, pairs: tuple[str, ...], answers: str | None, out: str,
        resume_dir: str | None, skills: str, by: str, registry: str | None, run_id: str | None,
        alert_file: str | None, alert_id: str | None, case_id: str | None, no_prompt: bool,
        fmt: str, lang: str, spark: SparkOptions | None, **limits: Any) -> None:
    """Execute a compiled skill against exchange data, recording every step.

    Exit status: 0 completed, 1 failed or approval refused, 2 usage error,
    4 paused awaiting an approval or an answer (continue with --resume).
    """
    from compiler.runner.answers import Answers, GivenAnswers, PromptedAnswers
    from compiler.runner.database import Database
    from compiler.runner.errors import RunError
    from compiler.runner.run import read_skill, resume, start
    from compiler.runner.worker import Limits

    if not by.strip():
        raise UsageError("say who runs this: --by NAME (or set SOPC_USER); it is recorded, and that person "
                         "cannot approve the run")
    if len(by) > 64 or not by.isprintable():
        raise UsageError("--by must be a name of at most 64 printable characters")
    approvers = _registry(registry)
    given = GivenAnswers(_answers_file(answers))
    source: Answers = given
    if not no_prompt and fmt == "text" and sys.stdin.isatty():
        source = PromptedAnswers(given, lambda text: str(click.prompt(text, default="", show_default=False)))
    database: Database | None = None
    try:
        if resume_dir:
            if sop_id or pairs or lang != "en" or alert_file or alert_id or case_id:
                raise UsageError("--resume continues a run with its own skill, inputs, alert, case and report "
                                 "language; give none of them")
            database = Database.open(Path(db), Limits(**limits), spark=spark) if db else None
            finished = resume(Path(resume_dir), source, by=by, database=database, registry=approvers)
        else:
            if not sop_id or not db:
                raise UsageError("give SOP_ID and --db DATA (or --resume RUN)")
            from compiler.scaffold import SLUG

            if not SLUG.match(sop_id):
                raise UsageError(f"{sop_id!r} is not an SOP id (lowercase letters, digits and hyphens)")
            skill, raw = read_skill(Path(skills) / sop_id / "skill.json")
            if skill["id"] != sop_id:
                raise UsageError(f"{Path(skills) / sop_id / 'skill.json'} is the skill {skill['id']!r}, not {sop_id!r}")
            values, alert = _run_inputs(skill, pairs, alert_file, alert_id)
            database = Database.open(Path(db), Limits(**limits), spark=spark)
            finished = start(skill, database, values, source, Path(out), started_by=by, run_id=run_id, raw=raw,
                             registry=approvers, lang=lang, alert=alert, case_id=case_id)
    except RunError as err:
        raise UsageError(str(err)) from err
    finally:
        if database is not None:
            database.close()
    state = finished.state
    if fmt == "json":
        import json

        from compiler.runner.runstate import run_state

        shown = run_state(read_skill(finished.folder / "skill.json")[0], state, finished.report["record"],
                          str(finished.folder))
        click.echo(json.dumps(shown, indent=2, ensure_ascii=False))
        sys.exit(RUN_EXIT.get(state.status, 1))
    click.echo(f"run {state.run_id}: {state.status}" + (f", outcome {state.outcome}" if state.outcome else ""))
    if state.status == "failed":
        click.echo(f"  stopped at {state.failed_step}: {state.error}")
    if state.waiting:
        waiting = state.waiting
        what = f"approval by role {waiting['role']}" if waiting["reason"] == "approval" else "an answer"
        click.echo(f"  waiting at {waiting['step']} for {what}")
        for problem in waiting.get("problems", []):
            click.echo(f"  - {problem}")
        if waiting["reason"] == "approval":
            click.echo(f"  sign: sopc approve {finished.folder} {waiting['step']} --key FILE [--refuse] [--note TEXT]")
            click.echo(f"  then: sopc run --resume {finished.folder}")
        else:
            click.echo(f"  continue: sopc run --resume {finished.folder} --answers FILE")
    click.echo(f"  report: {finished.folder / 'report.md'}")
    record = finished.report["record"]  # keep it elsewhere: `sopc verify` then shows nothing was swapped since
    click.echo(f"  record: {record['events']} events, last line {record['head']}")
    sys.exit(RUN_EXIT.get(state.status, 1))


@cli.command("mcp")
@click.option("--db", "db", required=True, type=click.Path(),
              help="A .duckdb file or a folder of <table>.parquet/.csv files; on Spark a Parquet folder or "
                   "catalog:DATABASE.")
@click.option("--runs", "runs_dir", default="runs", show_default=True, type=click.Path(file_okay=False),
              help="Folder of run folders (start_run writes here; get_run and submit_step read here).")
@click.option("--skills", default="skills", show_default=True, type=click.Path(file_okay=False),
              help="Folder of compiled skills.")
@click.option("--http", "http", metavar="127.0.0.1:PORT", help="Serve streamable HTTP on this loopback address "
              "(default: stdio).")
@click.option("--by", default="agent", show_default=True,
              help="Who the agent is in run records (it can never approve: it starts the runs).")
@_limit_options
@_engine_options
def mcp_command(db: str, runs_dir: str, skills: str, http: str | None, by: str, spark: SparkOptions | None,
                **limits: Any) -> None:
    """Serve the compiled skills and the runner to an agent over the Model Context Protocol.

    Tools: find_runbooks, start_run, get_run, submit_step, get_report. The
    machine computes, the agent judges, people approve: no tool answers a
    manual step or approves a gate.
    """
    import ipaddress

    from compiler.mcp.server import build_server
    from compiler.runner.session import Runs
    from compiler.runner.worker import Limits

    if not by.strip() or len(by) > 64 or not by.isprintable():
        raise UsageError("--by must be a name of at most 64 printable characters")
    if not (Path(skills) / "index.json").is_file():
        raise UsageError(f"no compiled skills in {skills} (index.json); run: sopc build")
    _readable_source(db, Limits(**limits), spark)
    number = 0
    if http is not None:
        host, _, port = http.rpartition(":")
        try:
            loopback = ipaddress.ip_address(host.strip("[]")).is_loopback
            number = int(port)
        except ValueError:
            loopback = False
        if not loopback or not 0 < number < 65536:
            raise UsageError(f"--http {http}: give a loopback address and port, e.g. 127.0.0.1:8765")
    runs = Runs(Path(db), Path(runs_dir), Path(skills), Limits(**limits), spark)
    server = build_server(runs, by=by)
    try:
        if http is None:
            server.run("stdio")
        else:
            server.run("streamable-http", host=http.rpartition(":")[0].strip("[]"), port=number)
    finally:
        runs.close()


@cli.command()
@click.argument("alerts", type=click.Path(dir_okay=False), metavar="ALERTS.jsonl")
@click.option("--db", "db", required=True, type=click.Path(),
              help="A .duckdb file or a folder of <table>.parquet/.csv files; on Spark a Parquet folder or "
                   "catalog:DATABASE.")
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Folder for queue.json, queue.md and runs/ (one run folder per alert).")
@click.option("--skills", default="skills", show_default=True, type=click.Path(file_okay=False),
              help="Folder of compiled skills.")
@click.option("--workers", type=click.IntRange(1, 256), help="Worker processes (default: one per core).")
@click.option("--by", default="triage", show_default=True,
              help="Who starts the runs (recorded; never allowed to approve them).")
@_limit_options
@_engine_options
def triage(alerts: str, db: str, out: str, skills: str, workers: int | None, by: str, spark: SparkOptions | None,
           **limits: Any) -> None:
    """Take every alert of a JSON Lines file to its runbook, as far as the deterministic steps go.

    Each line is an alert {id, name, ts, payload}. Writes OUT/queue.json and
    OUT/queue.md; running it again on the same file starts no run twice.
    Exit status: 0 every alert accounted for, 1 some alert unreadable or its
    run failed, 2 usage error.
    """
    from compiler.runner.triage import Settings, count_lines, default_workers
    from compiler.runner.triage import triage as run_triage
    from compiler.runner.worker import Limits

    if not by.strip() or len(by) > 64 or not by.isprintable():
        raise UsageError("--by must be a name of at most 64 printable characters")
    settings = Settings(Path(db), Path(skills), Path(out) / "runs", by, Limits(**limits), spark)
    _readable_source(db, settings.limits, spark)
    total = count_lines(Path(alerts))
    with click.progressbar(length=total, label="triage", file=sys.stderr,
                           hidden=not sys.stderr.isatty()) as bar:
        queue = run_triage(Path(alerts), settings, Path(out), workers=workers or default_workers(),
                           progress=bar.update)
    by_status = ", ".join(f"{n:,} {s.replace('_', ' ')}" for s, n in queue["totals"]["by_status"].items())
    click.echo(f"{queue['alerts']:,} alerts: {by_status or 'none'}")
    click.echo(f"queue: {Path(out) / 'queue.md'}")
    bad = queue["totals"]["by_status"]
    sys.exit(1 if bad.get("failed") or bad.get("bad_alert") else 0)
def _registry(path: str | None) -> Registry | None:
    """The approver registry named, or sops/approvers.yaml when it exists; a bad one is a usage error."""
    from compiler.approvers import check_registry
    from compiler.diagnostics import Severity
    from compiler.files import REGISTRY

    target = Path(path) if path else Path("sops") / REGISTRY
    if path is None and not target.is_file():
        return None
    try:
        raw = target.read_bytes()
    except OSError as err:
        raise UsageError(f"cannot read the approver registry {target}: {err.strerror}") from err
    registry, diagnostics = check_registry(str(target), raw, datetime.date.today())
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    if registry is None:
        first = errors[0] if errors else None
        where = f"{first.path}:{first.line}:{first.col}: {first.message}" if first else str(target)
        raise UsageError(f"the approver registry has errors ({where}); run: sopc validate --approvers {target}")
    return registry


@cli.group()
def keys() -> None:
    """Approvers' signing keys (Ed25519)."""


@keys.command("new")
@click.argument("name")
@click.option("--out", type=click.Path(dir_okay=False), help="Private key file to write (default: ./<name>.key).")
@click.option("--role", "roles", multiple=True, metavar="ROLE", help="A role for the registry entry (repeat).")
def keys_new(name: str, out: str | None, roles: tuple[str, ...]) -> None:
    """Write a new private key (mode 0600, never overwritten) and print its approvers.yaml entry."""
    import re

    from compiler.approvers import entry_text
    from compiler.runner.signing import new_key_file, public_text

    if not name.strip() or len(name) > 64 or not name.isprintable():
        raise UsageError("NAME must be a name of at most 64 printable characters")
    target = Path(out) if out else Path(re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + ".key")
    try:
        key = new_key_file(target)
    except FileExistsError as err:
        raise UsageError(f"{target} already exists; a key file is never overwritten") from err
    except OSError as err:
        raise UsageError(f"cannot write {target}: {err.strerror}") from err
    click.echo(f"# wrote the private key {target} (mode 0600): keep it to yourself. Add to approvers.yaml")
    click.echo("# (a new registry begins with the two lines `format: 1` and `approvers:`):")
    click.echo(entry_text(" ".join(name.split()), public_text(key.public_key()), list(roles), datetime.date.today()),
               nl=False)


@cli.command()
@click.argument("run_dir", metavar="RUN", type=click.Path(file_okay=False, exists=True))
@click.argument("step")
@click.option("--key", "key_file", required=True, type=click.Path(dir_okay=False), help="Your private key file.")
@click.option("--refuse", is_flag=True, help="Refuse instead of approving (the run then ends).")
@click.option("--note", help="Why (signed with the decision).")
@click.option("--answers", "answers_out", type=click.Path(dir_okay=False),
              help="Write the signed approval to this answers file (for sopc run --resume --answers) instead of "
                   "appending it to the run.")
@click.option("--approvers", "registry", type=click.Path(dir_okay=False),
              help="Approver registry (default: sops/approvers.yaml).")
def approve(run_dir: str, step: str, key_file: str, refuse: bool, note: str | None, answers_out: str | None,
            registry: str | None) -> None:
    """Sign an approval (or a refusal) of STEP of a paused RUN and hand it to the run."""
    import json

    from compiler.files import write_atomic
    from compiler.runner.approve import signed_approval, submit
    from compiler.runner.signing import read_key_file

    approvers = _registry(registry)
    if approvers is None:
        raise UsageError("no approver registry (sops/approvers.yaml); give --approvers FILE")
    if note is not None and (len(note) > 2000 or not note.replace("\n", " ").isprintable()):
        raise UsageError("--note must be printable text of at most 2,000 characters")
    try:
        key = read_key_file(Path(key_file))
    except OSError as err:
        raise UsageError(f"cannot read {key_file}: {err.strerror}") from err
    except ValueError as err:
        raise UsageError(f"{key_file}: {err}") from err
    envelope = signed_approval(Path(run_dir), step, key, approvers, approved=not refuse, note=note)
    who, what = envelope["statement"]["approver"], "refusal" if refuse else "approval"
    if answers_out:
        existing = _answers_file(answers_out) if Path(answers_out).is_file() else {}
        entry = existing.get(step)
        signed = list(entry.get("signed", [])) if isinstance(entry, dict) and isinstance(entry.get("signed"), list) else []
        existing[step] = {"signed": [*signed, envelope]}
        try:
            write_atomic(Path(answers_out), (json.dumps(existing, indent=2, ensure_ascii=False) + "\n").encode())
        except OSError as err:
            raise UsageError(f"cannot write {answers_out}: {err.strerror}") from err
        click.echo(f"signed {what} of {step} by {who} written to {answers_out}; continue: "
                   f"sopc run --resume {run_dir} --answers {answers_out}")
        return
    count = submit(Path(run_dir), envelope)
    click.echo(f"signed {what} of {step} by {who} appended to {run_dir} (record: {count} events); "
               f"continue: sopc run --resume {run_dir}")


@cli.command()
@click.argument("runs", nargs=-1, required=True, type=click.Path(file_okay=False), metavar="RUN...")
@click.option("--approvers", "registry", type=click.Path(dir_okay=False),
              help="Also check that every signing key is in this registry (default: sops/approvers.yaml if it exists).")
def verify(runs: tuple[str, ...], registry: str | None) -> None:
    """Check run folders as an auditor would: the record's hash chain, every signature, the skill copy, the reports.

    Exit status: 0 every run intact, 1 a problem found, 2 usage error.
    """
    from compiler.runner.verify import verify as verify_run

    approvers = _registry(registry)
    intact = True
    for name in runs:
        folder = Path(name)
        verdict = verify_run(folder, approvers)
        intact = intact and verdict.intact
        click.echo(f"{folder}: {'intact' if verdict.intact else 'PROBLEMS'}")
        for line in verdict.facts:
            click.echo(f"  {line}")
        for line in verdict.problems:
            click.echo(f"  problem: {line}")
    sys.exit(0 if intact else 1)


def main() -> None:
    """Entry point: run the CLI, turning usage errors into exit status 2."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as err:
        err.show()
        sys.exit(2 if isinstance(err, click.UsageError) else err.exit_code)
    except click.exceptions.Abort:
        click.echo("sopc: aborted", err=True)
        sys.exit(130)
    except UsageError as err:
        click.echo(f"sopc: {err}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("sopc: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
    except Exception as err:  # a bug in sopc, not in the input: one line, and a way to see more
        if os.environ.get("SOPC_DEBUG"):
            raise
        click.echo(f"sopc: internal error: {type(err).__name__}: {err} (set SOPC_DEBUG=1 for a traceback)", err=True)
        sys.exit(3)
