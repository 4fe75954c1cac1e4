"""The catalog of diagnostic codes.

Codes are stable: a code is never reused for another meaning. Each one is
documented on the runbook site (site/docs/reference/diagnostics.md, generated
from this table and from the example case in tests/cases/ that shows it).

Families: SOP0xx reading the file, SOP1xx the schema, SOP2xx the step graph,
SOP3xx SQL, SOP4xx conditions, SOP5xx the library, SOP6xx lifecycle,
SOP7xx test scenarios, SOP8xx the approver registry (approvers.yaml),
SOP9xx translations.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Code:
    """One documented diagnostic code."""

    code: str
    """The code, e.g. SOP101."""
    severity: str
    """'error' or 'warning' (warnings are errors under --strict)."""
    title: str
    """Short name of the problem."""
    explanation: str
    """Why it is a problem and how to fix it, for the reference page."""


_TABLE: tuple[Code, ...] = (
    # -- reading the file ---------------------------------------------------
    Code("SOP001", "error", "not UTF-8", "SOP files must be UTF-8 text. Re-save the file as UTF-8 (without a byte-order mark problem: a BOM is accepted)."),
    Code("SOP002", "error", "file too large", "An SOP file may be at most 1 MiB. A larger file is almost certainly generated or corrupt; split the procedure or remove the embedded data."),
    Code("SOP003", "error", "YAML syntax error", "The file is not well-formed YAML (for example a truncated flow sequence or a bad indentation). The location is where the parser gave up."),
    Code("SOP004", "error", "tab indentation", "YAML forbids tabs for indentation and editors render them inconsistently. Indent with spaces."),
    Code("SOP005", "error", "duplicate key", "A key appears twice in the same mapping; YAML loaders silently keep the last one, hiding the first from reviewers. Remove or rename one."),
    Code("SOP006", "error", "anchor, alias or merge key", "Anchors (&a), aliases (*a) and merge keys (<<) hide content from reviewers and allow alias bombs. Write the content out in full."),
    Code("SOP007", "error", "non-string key", "Every mapping key must be a string. A key such as 1, true or null is read as another type; quote it or rename it."),
    Code("SOP008", "error", "more than one document", "An SOP file holds exactly one YAML document. Remove the extra '---' separator or move the second SOP to its own file."),
    Code("SOP009", "error", "YAML tag not allowed", "Explicit tags such as !!python/object or !include can construct objects or run code in some loaders. sopc never constructs them; remove the tag."),
    Code("SOP010", "error", "nesting too deep", "The document nests more than 64 levels deep. Real SOPs never do; this is usually generated or hostile input."),
    Code("SOP011", "error", "not an SOP mapping", "The file is empty or its top level is not a mapping of SOP fields."),
    Code("SOP012", "warning", "schema modeline missing", "The first line should be '# yaml-language-server: $schema=<path to schema/sop.schema.json>' so that editors complete and check fields as you type."),
    # -- schema -------------------------------------------------------------
    Code("SOP101", "error", "unknown key", "The key is not part of the SOP format at this place. It is usually a misspelling: the hint names the closest known key."),
    Code("SOP102", "error", "missing required key", "A field the format requires here is absent."),
    Code("SOP103", "error", "wrong type", "The value has the wrong type (for example a list where a mapping is expected)."),
    Code("SOP104", "error", "unquoted value read as another type", "YAML 1.1 reads some unquoted strings as other types: 1.10 becomes the number 1.1, no/on/yes/off become booleans, 12:30 becomes the number 750. The field expects a string: quote the value."),
    Code("SOP105", "error", "value not allowed", "The value is not one of the values this field allows; the hint names the closest allowed value."),
    Code("SOP106", "error", "bad value format", "The value does not have the required form (slug, semver, date, duration, identifier, alert name, URL)."),
    Code("SOP107", "error", "value out of range", "The value is too short, too long, too small, too large, has too few or too many items, or repeats an item that must be unique."),
    Code("SOP108", "error", "schema constraint not met", "The value breaks another rule of the format (for example a deprecated SOP without superseded_by)."),
    Code("SOP109", "error", "yes/no/on/off written for a boolean", "YAML 1.1 reads unquoted yes, no, on and off as booleans, YAML 1.2 (and so the editor's yaml-language-server) as text: the same file would mean two things. Write true or false."),
    # -- step graph ---------------------------------------------------------
    Code("SOP201", "error", "duplicate step id", "Two steps share an id; transitions, conditions and tests could not tell them apart. Rename one."),
    Code("SOP202", "error", "unknown step", "A next, branch or test path names a step that does not exist."),
    Code("SOP203", "error", "unknown outcome", "A transition or test names an outcome not declared under outcomes."),
    Code("SOP204", "error", "unreachable step", "No path from the first step leads to this step, so it can never run. Link it in or remove it."),
    Code("SOP205", "error", "cycle in steps", "The steps form a loop; an SOP is a finite checklist and every run must end. Break the loop."),
    Code("SOP206", "error", "step without a transition", "The step says neither where to go next nor which outcome it ends in, so a run would stop without an outcome. Add next or outcome."),
    Code("SOP207", "warning", "outcome never used", "An outcome is declared but no transition leads to it. Remove it or wire it in."),
    Code("SOP208", "error", "action without approval", "An action step changes an account or market and must never run automatically: give it approval: {role: ...}."),
    Code("SOP209", "error", "bad decision branches", "A decision must list conditional branches first and end with exactly one otherwise: true branch; each branch has either when or otherwise, not both."),
    Code("SOP210", "error", "ambiguous transition", "A transition must name exactly one of next or outcome; decision and check steps take their transitions from their branches and on_pass/on_fail only."),
    # -- SQL ----------------------------------------------------------------
    Code("SOP301", "error", "SQL does not parse", "The query is not valid DuckDB SQL. The location points into the SQL where the parser failed."),
    Code("SOP302", "error", "SQL is not a single read-only query", "A query step runs exactly one SELECT or WITH ... SELECT statement. Writes, DDL, multiple statements, COPY, PRAGMA, ATTACH and file-reading functions are not allowed."),
    Code("SOP303", "error", "unknown SQL parameter", "The SQL uses a $parameter that is not a declared input, a threshold or one of the step's params. Declare it, or bind it under params."),
    Code("SOP304", "error", "unknown table", "The SQL reads a table that is not one of the canonical exchange tables (schema/exchange.sql) or a CTE of the query."),
    Code("SOP305", "error", "unknown column", "The SQL names a column that the tables it reads do not have."),
    Code("SOP306", "error", "parameter written inside a string", "A parameter appears inside a quoted string such as '$account_id' or '{account_id}', where it would be spliced, not bound. Write $account_id outside quotes."),
    Code("SOP307", "error", "DuckDB rejects the query", "DuckDB's binder, run on the canonical tables with the parameters typed as the runner binds them, rejects the query: an unknown function, arguments of the wrong type, a column neither grouped nor aggregated, an ambiguous column. `sopc run` would fail on it at this step."),
    Code("SOP310", "error", "no faithful Spark translation", "Every query also runs on Apache Spark (`sopc run --engine spark`), translated by sopc at build time (queries/<step>.spark.sql). A function or construct with no Spark SQL known to mean the same (a function off sopc's allow-list, list indexing, date_diff in weeks, a correlated subquery Spark cannot plan, ...) is an error rather than a silent difference; the message names the construct and the engine. Use a function on sopc's list of functions that mean the same on both engines (compiler/translate.py)."),
    # -- conditions ---------------------------------------------------------
    Code("SOP401", "error", "condition does not parse", "The expression is not valid CEL."),
    Code("SOP402", "error", "unknown name in condition", "The expression refers to an input, threshold or step that is not declared."),
    Code("SOP403", "error", "step result not available", "The expression reads the result of a step that has not run on every path to this point (it is later, on another branch, or the step itself)."),
    Code("SOP404", "error", "unknown field of a step result", "The expression reads a field that the referenced step does not produce (a column its SQL does not select, or an evidence/output field it does not declare)."),
    Code("SOP405", "warning", "input check reads an optional input", "An input check reads an input that is optional and has no default, so every run that leaves the input out is refused. Give the input a default, make it required, or guard the check with has(inputs.<name>)."),
    Code("SOP406", "error", "action target not derived from the evidence", "An action's target must be built from a step whose figures decided the action (a step read by a check or decision on every path to it), so that only the accounts the evidence implicates are actioned, never a campaign-wide or group-wide flag list. A target of inputs alone (the run's subject) passes."),
    # -- library ------------------------------------------------------------
    Code("SOP501", "error", "duplicate SOP id", "Two files declare the same id; every output is named by id, so ids must be unique in the library."),
    Code("SOP502", "error", "file name does not match id", "An SOP lives in <id>.yaml so that the id can be found from the file and vice versa. Rename the file or fix the id."),
    Code("SOP503", "error", "included SOP not found", "An include step names an SOP id that is not in the library."),
    Code("SOP504", "error", "include inputs not bound", "An include step must bind every required input of the included SOP and no input it does not declare."),
    Code("SOP505", "error", "include cycle", "SOPs include each other in a loop, so a run would never end."),
    Code("SOP506", "error", "successor not found", "superseded_by names an SOP id that is not in the library."),
    Code("SOP507", "warning", "file outside its domain folder", "An SOP lives in sops/<domain>/; move the file to the folder of its domain."),
    Code("SOP508", "error", "name declared twice", "An input and a threshold share a name; $name in SQL would be ambiguous."),
    Code("SOP509", "warning", "includes a draft or deprecated SOP", "An active SOP should not run a draft or deprecated SOP; point the include at the current SOP."),
    Code("SOP510", "error", "include maps an unknown outcome", "on_outcome of an include step names an outcome the included SOP does not declare."),
    # -- lifecycle ----------------------------------------------------------
    Code("SOP601", "warning", "review date passed", "review_by is in the past: the SOP is stale until its owner reviews it and sets a new date. An error under --strict."),
    Code("SOP602", "error", "changelog does not match version", "The newest changelog entry must describe the current version; add an entry for it (newest first)."),
    Code("SOP603", "error", "changelog out of order", "Changelog entries must be newest first, with strictly decreasing versions and non-increasing dates."),
    Code("SOP604", "error", "bad input default", "An input's default does not fit its type, pattern or allowed values, or a field that only applies to another type is set."),
    Code("SOP605", "error", "bad pattern", "An input's pattern is not a valid regular expression, or it repeats a repeated group such as (a+)+ or (\\w+\\s?)*, which makes matching take exponential time on some inputs (a hang, not an error). Repeat once: a+ or (ab)+."),
    Code("SOP606", "error", "trigger maps an unknown input", "A trigger's inputs map a name that is not a declared input; a run from the alert could not take it. Use a declared input's name."),
    Code("SOP607", "error", "trigger leaves a required input unmapped", "A trigger that maps inputs from its alert must map every required input without a default, or every run started from the alert would be refused. Map it to a JSON pointer into the payload, or give the input a default."),
    Code("SOP608", "error", "placeholder left in", "The text still holds a placeholder of the `sopc new` template (TODO …). Only a draft may keep them: write the real text, or set status: draft."),
    Code("SOP609", "error", "version does not fit the change", "`sopc build` compares each SOP with skills/lock.json: content changed without a version bump, the bump is smaller than the change needs (wording: patch, thresholds or logic: minor, inputs or outcomes: major), or the version went backwards. Bump version as the hint says and add a changelog entry."),
    # -- tests --------------------------------------------------------------
    Code("SOP701", "error", "test names an unknown input", "A test sets an input the SOP does not declare, or leaves out a required input."),
    Code("SOP702", "error", "test answers an unknown step", "A test answers a step that does not exist or that takes no answers (only manual, agent, action and escalate steps, and steps with an approval gate, do)."),
    Code("SOP703", "error", "test data is not canonical", "Test data names a table or column that is not in the canonical exchange schema."),
    Code("SOP705", "error", "unknown demo-data case", "A test's data names a demo-data case that does not exist; `sopc demo-data --list` shows the cases."),
    Code("SOP706", "error", "bad expected value", "A key under expect.values is not a CEL expression over the run, or reads a name the SOP does not define (inputs, thresholds and step ids)."),
    Code("SOP707", "error", "scenario expects no result or two", "A test's expect needs either an outcome (with an optional path and values) or refused (the text of the refusal), not both and not neither."),
    Code("SOP708", "error", "test answer does not fit the step", "A test's answer to a manual or agent step does not fit its evidence or output fields (a missing field, an unknown one, a value of the wrong type or not among the allowed values), or an approval lacks approved: true/false. `sopc test` would stop at that step waiting for a valid answer."),
    Code("SOP704", "error", "test path is impossible", "The expected path does not follow the step graph: it must start at the first step, follow transitions and end at a step that leads to the expected outcome."),
    # -- approver registry --------------------------------------------------
    Code("SOP801", "error", "not an Ed25519 public key", "An approver's public_key must be ed25519:<base64 of 32 bytes>, as `sopc keys new` prints it; otherwise no signature can ever verify against it."),
    Code("SOP802", "error", "key listed twice", "Two registry entries hold the same public key, so a signature could not tell the two people apart. Every person signs with a key of their own."),
    Code("SOP803", "error", "bad key validity", "valid_from and valid_until are dates (YYYY-MM-DD) and the validity may not end before it starts."),
    Code("SOP804", "warning", "key expired", "The key's valid_until has passed: its holder can no longer approve. Give them a new key in a new entry (keep the old entry: past approvals stay verifiable). An error under --strict."),
    # -- translations -------------------------------------------------------
    Code("SOP901", "warning", "translation out of date", "The English of this field changed since it was translated (the entry's sha256 is not the hash of today's English), or sopc translate marked it stale. Readers see the English with a 'translation out of date' note until it is updated: run `sopc translate ID --lang LANG`, update text (the old English is under was, the new under en), delete stale and was, and run sopc translate again."),
    Code("SOP902", "warning", "translation missing", "A prose field of the SOP has no translation in its translation file, or its entry is still marked untranslated; readers of that language see the English. Run `sopc translate ID --lang LANG` and translate the entries marked untranslated."),
    Code("SOP903", "warning", "orphaned translation", "The translation names a JSON pointer that is not a prose field of the SOP (the field was removed or moved, or it is not translated: ids, SQL, CEL, alert names and thresholds never are). `sopc translate` drops it and reuses its text where the same English moved."),
    Code("SOP904", "warning", "glossary term translated inconsistently", "The English uses a term of sops/glossary.yaml, but the translation does not use the glossary's word for it, or uses a word the glossary says to avoid. Use the glossary's word, so that every SOP says the same thing the same way and search finds it."),
    Code("SOP905", "error", "bad translation or glossary file", "A translation file (<id>.<lang>.yaml) or the glossary does not follow its schema (schema/translation.schema.json, schema/glossary.schema.json), is for a language sopc does not know, or translates an SOP that is not in the library."),
)

CODES: dict[str, Code] = {c.code: c for c in _TABLE}
