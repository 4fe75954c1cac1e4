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
    # runbook site: pages
    "When to use it": "何时使用",
    "Alert": "告警",
    "Fires when": "触发条件",
    "Input": "输入",
    "Type": "类型",
    "Required": "必填",
    "Default": "默认值",
    "Description": "说明",
    "Before the first step the inputs must pass these checks; a run that fails one is refused:":
        "执行第一步之前，输入必须通过以下检查；未通过任一检查的运行会被拒绝：",
    "Check": "检查",
    " Pattern {pattern}.": " 格式：{pattern}。",
    "When it fails": "未通过时",
    "Threshold": "阈值",
    "Value": "值",
    "Rationale": "依据",
    "Flowchart": "流程图",
    "Boxes are steps (click one to jump to it), hexagons are checks and decisions, rounded ends are outcomes.":
        "方框是步骤（点击可跳转），六边形是检查和决策，圆角框是结果。",
    "Escalation": "上报",
    "Step": "步骤",
    "To": "上报对象",
    "Within": "时限",
    "Channel": "渠道",
    "Approval": "审批",
    "Steps with a time limit: when one is exceeded, escalate to the SOP owner **{owner}**.":
        "有时限的步骤：超时则上报 SOP 负责人 **{owner}**。",
    "Time limit": "时限",
    "(not declared)": "（未声明）",
    "Outcome": "结果",
    "Meaning": "含义",
    "Disposition": "处置",
    "Reached from": "来自步骤",
    "Edge cases and blind spots": "边界情况与盲区",
    "References": "参考资料",
    "Changelog": "变更记录",
    "Version": "版本",
    "Date": "日期",
    "Change": "变更",
    "not exported (drafts are not compiled)": "未导出（草稿不编译）",
    "not built yet": "尚未构建",
    "Compiled agent skill": "编译后的智能体技能",
    "The same SOP compiled for agents and the bundled runner: {links}.": "同一 SOP 为智能体和内置运行器编译的版本：{links}。",
    "its successor": "其后继 SOP",
    "Deprecated": "已停用",
    "This SOP is deprecated and must not be used for new cases. Use {successor} instead.":
        "本 SOP 已停用，不得用于新案件。请改用 {successor}。",
    "Draft": "草稿",
    "This SOP is a draft: it has not been approved for use and is not exported as a skill.":
        "本 SOP 是草稿：尚未批准使用，也不会导出为技能。",
    "Review overdue": "复审已逾期",
    "The review date {date} has passed: the SOP may be out of date. Ask the owner ({owner}) to review it.":
        "复审日期 {date} 已过：本 SOP 可能已过时。请负责人（{owner}）复审。",
    "**{to}** within **{within}**": "**{within}** 内上报 **{to}**",
    "overdue": "已逾期",
    "review overdue": "复审逾期",
    "SOP id": "SOP ID",
    "Status": "状态",
    "Severity": "严重程度",
    "Domain": "领域",
    "Owner": "负责人",
    "Reviewers": "复核方",
    "Review by": "复审日期",
    "Tags": "标签",
    "Alerts": "告警",
    "Escalates to": "上报对象",
    "Compiled skill": "编译后的技能",
    "Superseded by": "由其取代",
    # runbook site: checklist
    "Work down from step 1; each step says where to go next. Tick the boxes as you go (they are not saved: record "
    "results in the case).": "从第 1 步往下执行；每一步都会说明下一步去哪里。边做边勾选（勾选不会保存：结果请记录在案件中）。",
    "Run the query below and keep its result with the case.": "运行下面的查询，并将结果保存在案件中。",
    "Check the condition below.": "检查下面的条件。",
    "Decide which branch applies: branches are tried in order and the first that holds is taken.":
        "判断适用哪个分支：按顺序逐一尝试，取第一个成立的分支。",
    "Do the work described above.": "完成上面描述的工作。",
    "Have the agent do the work described above and check what it returns.": "让智能体完成上面描述的工作，并检查其返回结果。",
    "{count} people of role": "{count} 名角色为",
    "role": "角色",
    "Approval by {who} **{role}** recorded before this step takes effect": "本步骤生效前须记录由{who} **{role}** 的审批",
    " (actor: **{actor}**)": "（执行人：**{actor}**）",
    "Record": "记录",
    "Agent returned": "智能体返回",
    " (optional)": "（可选）",
    "yes/no": "是/否",
    "text": "文本",
    "link": "链接",
    " via **{channel}**": "，渠道 **{channel}**",
    " within **{within}**": "，时限 **{within}**",
    "Hand the case to **{to}**{via}{within}": "将案件移交 **{to}**{via}{within}",
    "reversible": "可撤销",
    "irreversible": "不可撤销",
    "; reason code {code}": "；原因代码 {code}",
    "Apply **{action}** to {target}": "对 {target} 执行 **{action}**",
    "Run the SOP {sop} and note its outcome": "执行 SOP {sop} 并记下其结果",
    "Check: {condition}": "检查：{condition}",
    "passes": "通过",
    "fails": "未通过",
    "Result": "结果",
    "Then": "然后",
    "otherwise (no branch above holds)": "否则（以上分支都不成立）",
    "Branch": "分支",
    "When": "条件",
    "go to {step}": "转到 {step}",
    "end: {outcome}": "结束：{outcome}",
    "Expressions as written (CEL)": "原始表达式（CEL）",
    "Inputs passed to the included SOP:": "传给被引用 SOP 的输入：",
    "The hand-over must contain:": "移交内容必须包括：",
    "approval: {role}": "审批：{role}",
    "time limit {timeout}": "时限 {timeout}",
    # runbook site: flowchart
    "end": "结束",
    "approval": "审批",
    "Outcome {ref}: {title}": "结果 {ref}：{title}",
    "Step {ref}: {title}": "步骤 {ref}：{title}",
    "Flowchart of {title}": "{title} 流程图",
    # runbook site: index pages
    "Runbooks": "处置手册",
    "{n} runbook": "{n} 份处置手册",
    "{n} runbooks": "{n} 份处置手册",
    "{count}. Have an alert name? Use the [alert quick index](alerts.md) or search for it; the [severity index]"
    "(severity.md) lists the most serious first.":
        "{count}。已有告警名称？请使用[告警速查](alerts.md)或直接搜索；[按严重程度](severity.md)列出最严重的在前。",
    "No runbooks yet.": "暂无处置手册。",
    "Runbook": "处置手册",
    "Runbooks of the {domain} domain ({n}).": "{domain}领域的处置手册（{n} 份）。",
    "Runbooks by severity": "按严重程度排列的处置手册",
    "The most serious risks first. See also the [alert quick index](alerts.md).":
        "最严重的风险在前。另见[告警速查](alerts.md)。",
    "Alert quick index": "告警速查",
    "Find the alert that fired, open its runbook and follow the checklist. Press <kbd>/</kbd> to search by alert "
    "name, SOP id or title words.": "找到触发的告警，打开其处置手册并按检查清单执行。按 <kbd>/</kbd> 可按告警名称、SOP ID 或标题词搜索。",
    " (deprecated: use {successor})": "（已停用：请改用 {successor}）",
    "No alerts yet.": "暂无告警。",
    "Unknown": "未知",
    # values shown as words
    "active": "生效",
    "draft": "草稿",
    "deprecated": "已停用",
    "critical": "严重",
    "high": "高",
    "medium": "中",
    "low": "低",
    "Critical": "严重",
    "High": "高",
    "Medium": "中",
    "Low": "低",
    "query": "查询",
    "check": "检查",
    "decision": "决策",
    "manual": "人工",
    "agent": "智能体",
    "escalate": "上报",
    "action": "操作",
    "include": "引用",
    "no-finding": "无发现",
    "action-taken": "已处置",
    "escalated": "已上报",
    "inconclusive": "无定论",
    "Market abuse": "市场操纵",
    "Derivatives": "衍生品",
    "Market incidents": "市场事件",
    "User risk": "用户风险",
    "P2P": "P2P",
    "Account security": "账户安全",
    "Financial crime": "金融犯罪",
    "AI-augmented operations": "AI 辅助运营",
    "Incident response": "事件响应",
}

LABELS: dict[str, dict[str, str]] = {"zh": _ZH}
"""Language -> English phrase -> phrase in that language."""


def label(lang: str, english: str, **values: object) -> str:
    """The phrase in a language (English when it has no translation), placeholders filled."""
    text = LABELS.get(lang, {}).get(english, english)
    return text.format(**values) if values else text
