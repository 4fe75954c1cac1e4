"""The template `sopc new` writes: a small SOP that validates as it is."""

from __future__ import annotations

import datetime
import json
import re

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
PLACEHOLDER = re.compile(r"\bTODO\b\s*[—:]")
"""How the template marks text the author must write; an error unless the SOP is a draft (SOP608)."""

_TEMPLATE = """\
# yaml-language-server: $schema=../../schema/sop.schema.json
format: 1
id: {id}
version: "0.1.0"
title: {title}
summary: >-
  TODO — one paragraph saying what this SOP decides and what happens when the
  finding is confirmed.
status: draft
owner: trading-risk
reviewers: [compliance]
review_by: "{review_by}"
severity: medium
domain: {domain}
tags: []
triggers:
  - alert: {alert}
    when: TODO — what the alert means and when it fires.
# Block style (key: value on its own line) lets a description hold commas and colons;
# inside {{...}} a comma or ": " ends the value unless it is quoted.
inputs:
  account_id:
    type: string
    description: Subject account from the alert payload.
  start_ts:
    type: timestamp
    description: Start of the review window (UTC).
  end_ts:
    type: timestamp
    description: End of the review window (UTC).
input_checks:
  - require: inputs.end_ts > inputs.start_ts
    message: The review window must end after it starts.
thresholds:
  min_volume_usd:
    value: 10000
    unit: usd
    rationale: TODO — why this value; cite the source or say it is a heuristic.
steps:
  - id: volume
    kind: query
    title: Measure the account's traded volume in the window
    sql: |
      SELECT coalesce(sum(notional_usd), 0) AS volume_usd, count(*) AS trade_count
      FROM trades
      WHERE (maker_account_id = $account_id OR taker_account_id = $account_id)
        AND ts BETWEEN $start_ts AND $end_ts
    next: assess
  - id: assess
    kind: decision
    title: Is the volume material?
    branches:
      - when: volume.rows[0].volume_usd >= thresholds.min_volume_usd
        label: material
        next: review
      - otherwise: true
        outcome: no_action
  - id: review
    kind: manual
    title: Review the activity and record what you found
    actor: analyst
    instruction: TODO — what the analyst looks at and what counts as a finding.
    evidence:
      note:
        type: text
        description: What you found, and why it matters.
    next: escalate
  - id: escalate
    kind: escalate
    title: Escalate to Compliance
    to: compliance
    within: 24h
    channel: case-management
    message: Account, window, volume and the analyst's note.
    outcome: escalated
outcomes:
  no_action: {{title: Closed with no action, disposition: no-finding}}
  escalated: {{title: Escalated to Compliance, disposition: escalated}}
edge_cases:
  - TODO — a known false positive or blind spot.
tests:  # run with: sopc test --min-coverage 100 (data: a demo-data case name, or inline rows as here)
  - name: material volume is escalated
    data:
      trades:
        - {{trade_id: T1, symbol: BTCUSDT, ts: "2026-01-05T01:00:00Z", price: 50000, qty: 0.5, notional_usd: 25000, maker_account_id: B1, taker_account_id: A1, taker_side: buy}}
    inputs: {{account_id: A1, start_ts: "2026-01-05T00:00:00Z", end_ts: "2026-01-06T00:00:00Z"}}
    answers:
      review: {{note: TODO — what the analyst would record.}}
    expect:
      outcome: escalated
      path: [volume, assess, review, escalate]
      values: {{"volume.rows[0].volume_usd": 25000}}
  - name: an account with no trades is closed
    inputs: {{account_id: A2, start_ts: "2026-01-05T00:00:00Z", end_ts: "2026-01-06T00:00:00Z"}}
    expect: {{outcome: no_action, path: [volume, assess]}}
  - name: a reversed review window is refused before anything runs
    inputs: {{account_id: A1, start_ts: "2026-01-06T00:00:00Z", end_ts: "2026-01-05T00:00:00Z"}}
    expect: {{refused: The review window must end after it starts}}
changelog:
  - {{version: "0.1.0", date: "{today}", change: First draft.}}
"""


def render(sop_id: str, domain: str, title: str, today: datetime.date) -> str:
    """The YAML text of a new draft SOP."""
    return _TEMPLATE.format(
        id=sop_id,
        domain=domain,
        title=json.dumps(title, ensure_ascii=False),
        alert=sop_id.replace("-", "_") + "_alert",
        review_by=(today + datetime.timedelta(days=180)).isoformat(),
        today=today.isoformat(),
    )
