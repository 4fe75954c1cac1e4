"""report.html: the report's blocks as one self-contained page for people who print to PDF.

No script, no external request (styles inline, charts inline SVG), a print
stylesheet, every text escaped by `html.escape`. Each decisive figure gets a
small bar against its threshold: the bar is the figure, the line the
threshold, green when the comparison holds.
"""

from __future__ import annotations

import html

from compiler.i18n.labels import label
from compiler.runner.reportdoc import Block, Chart, Item, Span

STYLE = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;max-width:60rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.5rem}h2{font-size:1.25rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem;margin-top:2rem}
h3{font-size:1.05rem}code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f3f4f6;padding:0 .2rem;word-break:break-all}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:13px}th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td{font-variant-numeric:tabular-nums}ol>li{margin-bottom:.4rem}
.charts{display:flex;flex-wrap:wrap;gap:.75rem 1.5rem;margin:.5rem 0 1rem}.chart figcaption{font-size:13px}
.held{fill:#1a7f37}.missed{fill:#9a6700}.limit{stroke:#cf222e;stroke-width:2}.axis{stroke:#8c959f}
@media print{body{margin:0;max-width:none;font-size:11pt}h2{break-after:avoid}table,figure,li{break-inside:avoid}
a{color:inherit;text-decoration:none}@page{margin:18mm 15mm}}
"""
_WIDTH, _BAR = 260, 14


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _spans(spans: tuple[Span, ...]) -> str:
    parts = []
    for span in spans:
        text = _e(span.text)
        parts.append(f"<strong>{text}</strong>" if span.kind == "strong" else
                     f"<code>{text}</code>" if span.kind == "code" else text)
    return "".join(parts)


def _items(items: tuple[Item, ...], ordered: bool) -> str:
    tag = "ol" if ordered else "ul"
    body = "".join(f"<li>{_spans(i.spans)}{_items(i.children, False) if i.children else ''}</li>" for i in items)
    return f"<{tag}>{body}</{tag}>"


def svg(chart: Chart, lang: str = "en") -> str:
    """A bar for the figure and a line for the threshold, on a scale from 0 to a little past the larger."""
    top = max(abs(chart.value), abs(chart.limit)) * 1.25 or 1.0
    bar = round(min(abs(chart.value) / top, 1.0) * _WIDTH, 1)
    line = round(abs(chart.limit) / top * _WIDTH, 1)
    state = "held" if chart.holds else "missed"
    title = label(lang, "{name}: {value}, threshold {limit}", name=chart.label, value=chart.value_text,
                  limit=chart.limit_text)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH + 2}" height="{_BAR + 8}" role="img" '
            f'aria-label="{_e(title)}"><title>{_e(title)}</title>'
            f'<line class="axis" x1="1" y1="{_BAR + 6}" x2="{_WIDTH + 1}" y2="{_BAR + 6}"/>'
            f'<rect class="{state}" x="1" y="3" width="{bar}" height="{_BAR}"/>'
            f'<line class="limit" x1="{line + 1}" y1="0" x2="{line + 1}" y2="{_BAR + 8}"/></svg>')


def _chart(chart: Chart, lang: str) -> str:
    verdict = label(lang, "met" if chart.holds else "not met")
    against = label(lang, "</strong> against {limit} ({verdict})", limit=_e(chart.limit_text), verdict=verdict)
    return (f'<figure class="chart">{svg(chart, lang)}<figcaption>{_e(chart.label)}{label(lang, ": ")}<strong>'
            f'{_e(chart.value_text)}{against}</figcaption></figure>')


def render(blocks: list[Block], lang: str = "en") -> str:
    """The HTML page of the report (lang: the language of its fixed words, as the page's lang attribute)."""
    title = next((b.spans[0].text for b in blocks if b.kind == "heading"), label(lang, "Findings"))
    out = ["<!DOCTYPE html>", f'<html lang="{_e(lang)}"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
           "img-src data:\">",
           f"<title>{_e(title)}</title><style>{STYLE.strip()}</style></head><body>"]
    for block in blocks:
        if block.kind == "heading":
            out.append(f"<h{block.level}>{_spans(block.spans)}</h{block.level}>")
        elif block.kind == "para":
            out.append(f"<p>{_spans(block.spans)}</p>")
        elif block.kind == "list":
            out.append(_items(block.items, block.ordered))
        elif block.kind == "table":
            head = "".join(f"<th>{_e(h)}</th>" for h in block.header)
            rows = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in block.rows)
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif block.kind == "charts":
            out.append('<div class="charts">' + "".join(_chart(c, lang) for c in block.charts) + "</div>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
