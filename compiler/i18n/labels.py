"""The fixed words of generated documents (headings, labels, set phrases) in each language.

Keyed by the English text, gettext style, so that English needs no table and
a phrase without a translation falls back to English instead of failing.
Placeholders ({name}) are filled after the lookup.
"""

from __future__ import annotations

_ZH: dict[str, str] = {
    # SKILL.md
    "{title}. ": "{title}。",
    "When to use": "何时使用",
    "How to run it": "如何执行",
    "Inputs": "输入",
    "Thresholds": "阈值",
    "Checklist": "检查清单",
    "Outcomes": "结果",
    "Known blind spots": "已知盲区",
    "Use when one of these alerts fires: {alerts}.": "以下任一告警触发时使用：{alerts}。",
    "Compiled by sopc from `{path}`, version {version} ({digest}…). Do not edit: change the SOP and rebuild.":
        "由 sopc 从 `{path}` 编译，版本 {version}（{digest}…）。请勿手工修改：修改 SOP 后重新构建。",
    "**Deprecated:** use the skill `{successor}` instead.": "**已停用：**请改用技能 `{successor}`。",
    "1. Read `skill.json`: it has the inputs schema, thresholds, every step with its transitions,":
        "1. 阅读 `skill.json`：其中有输入 schema、阈值、每个步骤及其跳转、",
    "   result schema and safety class, and `findings_schema` for your report.":
        "   结果 schema 和安全等级，以及报告所用的 `findings_schema`。",
    "2. Validate the inputs against `inputs_schema` (and `input_checks`, if any), then start at step `{first}`.":
        "2. 按 `inputs_schema`（以及 `input_checks`，如有）校验输入，然后从步骤 `{first}` 开始。",
    "3. Do each step below; after each, record its result with the `record_step` tool (`{tool}`).":
        "3. 执行下面的每个步骤；每步完成后用 `record_step` 工具（`{tool}`）记录结果。",
    "4. Evaluate conditions exactly as written (CEL) against `inputs.<name>`, `thresholds.<name>`":
        "4. 严格按原文（CEL）对 `inputs.<name>`、`thresholds.<name>`",
    "   and earlier results (`<step>.rows`, `<step>.row_count`, `<step>.<field>`).":
        "   以及之前的结果（`<step>.rows`、`<step>.row_count`、`<step>.<field>`）求值条件。",
    "5. Never take an action or escalation before its approval is recorded; never contact the subject.":
        "5. 审批记录之前绝不执行操作或上报；绝不联系涉事客户。",
    "6. At an outcome, submit the findings report with `{tool}`.": "6. 到达结果时，用 `{tool}` 提交调查报告。",
    "| name | type | required | description |": "| 名称 | 类型 | 必填 | 说明 |",
    "yes": "是",
    "no": "否",
    "Refuse to start unless every input check holds (CEL over `inputs` and `thresholds`):":
        "除非每项输入检查都成立（对 `inputs` 和 `thresholds` 求值的 CEL），否则拒绝开始：",
    "otherwise, {message}": "否则：{message}",
    "| name | value | unit |": "| 名称 | 值 | 单位 |",
    "Kind: {kind} · safety: {safety}": "类型：{kind} · 安全等级：{safety}",
    ", approval by **{role}**": "，由 **{role}** 审批",
    " · timeout: {timeout}": " · 超时：{timeout}",
    "Run `{file}` (DuckDB, read-only) with bound parameters: {params}.":
        "运行 `{file}`（DuckDB，只读），绑定参数：{params}。",
    "none": "无",
    "Never paste values into the SQL text.": "绝不把值拼接进 SQL 文本。",
    "Compute `${name}` as `{expression}`.": "按 `{expression}` 计算 `${name}`。",
    "Ask the **{actor}** to do this and record: {fields}.": "请 **{actor}** 完成此步并记录：{fields}。",
    "Return: {fields}.": "返回：{fields}。",
    "Escalate to **{to}** within **{within}** via {channel}.": "在 **{within}** 内通过 {channel} 上报 **{to}**。",
    "Include: {message}": "内容：{message}",
    "Request `{action}` on `{target}`": "申请对 `{target}` 执行 `{action}`",
    " (irreversible)": "（不可撤销）",
    ". Do not perform it yourself: it takes effect only after the approval is recorded.":
        "。不要自行执行：审批记录后才生效。",
    "Run the skill `{sop}` with {bound}; its outcome is `{step}.outcome`.":
        "以 {bound} 运行技能 `{sop}`；其结果为 `{step}.outcome`。",
    "no inputs": "无输入",
    "go to step `{step}`": "转到步骤 `{step}`",
    "finish with outcome `{outcome}`": "以结果 `{outcome}` 结束",
    "- If `{when}`: {where}.": "- 若 `{when}`：{where}。",
    "- Otherwise: {where}.": "- 否则：{where}。",
    "- Then: {where}.": "- 然后：{where}。",
}

LABELS: dict[str, dict[str, str]] = {"zh": _ZH}
"""Language -> English phrase -> phrase in that language."""


def label(lang: str, english: str, **values: object) -> str:
    """The phrase in a language (English when it has no translation), placeholders filled."""
    text = LABELS.get(lang, {}).get(english, english)
    return text.format(**values) if values else text
