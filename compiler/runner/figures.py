"""Figures as people read them: thousands separators, the threshold's unit, ratios as percentages.

Pure and small: every function takes a value (and the unit and precision of
the threshold it is compared with) and returns text. No scientific notation
ever: decimals are formatted by `decimal`, which never switches to exponents
when asked for fixed-point. A figure and its threshold are written at one
precision, the threshold's (percentages to at least one decimal, as the
evidence tables show them); if that precision would show a figure equal to
its threshold when it is not, both get more decimals until the difference
is visible.
"""

from __future__ import annotations

import datetime
import decimal
import math
import re
from typing import Any

from compiler.i18n import labels

UNITS = {"usd": "USD", "count": "", "minutes": "minutes", "hours": "hours", "days": "days", "seconds": "seconds",
         "bps": "bps", "multiple": "×", "ratio": "%"}
"""How each threshold unit of the SOP format is written after a figure."""
MAX_DECIMALS = 6
_DURATION = re.compile(r"(\d+)([dhms])")
_ZERO = re.compile(r"-?[0.,]+")
"""A figure written as zero: a figure that is not zero gets more decimals instead (0.03%, not 0.0%)."""
_DURATION_WORDS = {"d": ("day", 86400), "h": ("hour", 3600), "m": ("minute", 60), "s": ("second", 1)}


def fixed(value: float | int, decimals: int) -> str:
    """A number with thousands separators and exactly this many decimals, never in scientific notation."""
    if isinstance(value, bool) or not math.isfinite(float(value)):
        return str(value)
    exact = decimal.Decimal(str(value)) if isinstance(value, float) else decimal.Decimal(value)
    with decimal.localcontext() as context:
        context.prec = 400  # every double has fewer than 330 digits before its point
        rounded = exact.quantize(decimal.Decimal(1).scaleb(-decimals), rounding=decimal.ROUND_HALF_EVEN)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0"
    return f"{rounded:,.{decimals}f}"


def decimals_of(value: float | int, scale: int = 1) -> int:
    """Decimals needed to write value times scale exactly (at most MAX_DECIMALS): 0.2 by 100 → 0, 2.5 → 1."""
    if isinstance(value, int) and scale == 1:
        return 0
    text = f"{decimal.Decimal(str(value)) * scale:f}"
    return min(len(text.partition(".")[2].rstrip("0")), MAX_DECIMALS)


def _scale(unit: str) -> int:
    return 100 if unit == "ratio" else 1


def with_unit(text: str, unit: str, lang: str = "en") -> str:
    """12,000 USD, 20%, 2.5 times (as a multiplication sign), 60 minutes."""
    shown = labels.label(lang, UNITS.get(unit, unit))
    if shown in ("%", "×"):
        return f"{text}{shown}"
    return f"{text} {shown}".rstrip()


def singular(noun: str) -> str:
    """The noun for one: counterparties → counterparty, accounts → account."""
    return noun[:-3] + "y" if noun.endswith("ies") else noun.removesuffix("s")


def threshold(value: float | int, unit: str, lang: str = "en") -> str:
    """A threshold in its unit, at its own precision."""
    return with_unit(fixed(value * _scale(unit), decimals_of(value, _scale(unit))), unit, lang)


def compared(value: float | int, limit: float | int, unit: str, lang: str = "en") -> tuple[str, str]:
    """A figure and the threshold it was compared with, in the threshold's unit and at one precision: the
    threshold's own (a percentage to at least one decimal), more decimals only if the figure would otherwise
    look equal to a threshold it is not."""
    scale = _scale(unit)
    places = max(decimals_of(limit, scale), 1 if unit == "ratio" else 0)
    shown = fixed(value * scale, places)
    while value != limit and shown == fixed(limit * scale, places) and places < MAX_DECIMALS:
        places += 1
        shown = fixed(value * scale, places)
    if value != 0 and _ZERO.fullmatch(shown):  # not zero, but too small for the precision: say so, not 0.0%
        step = fixed(10.0 ** -places, places)
        shown = f"<{step}" if value > 0 else f">-{step}"
    return with_unit(shown, unit, lang), with_unit(fixed(limit * scale, places), unit, lang)


def against(value: float | int, limit: float | int, unit: str, lang: str = "en") -> str:
    """A figure compared with a threshold (see `compared`)."""
    return compared(value, limit, unit, lang)[0]


def number(value: float | int) -> str:
    """A figure without a threshold: integers whole, large amounts to cents, small ones to 4 significant places."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) or (float(value).is_integer() and abs(value) < 1e15):
        return fixed(int(value), 0)
    if abs(value) >= 100:
        return fixed(value, 2)
    if value == 0:
        return "0"
    if abs(value) < 1e-12:
        return ("-" if value < 0 else "") + "less than 0.000000000001"
    places = min(max(0, 3 - math.floor(math.log10(abs(value)))), 12)
    return fixed(value, places).rstrip("0").rstrip(".")


def is_ratio_name(name: str) -> bool:
    """Columns that hold a share of a whole or a relative deviation by their name (…_ratio, …_share, …_dev):
    shown as percentages."""
    return name.endswith(("_ratio", "_share", "_rate", "_dev", "_deviation"))


def percent(value: float | int) -> str:
    """A ratio without a threshold as a percentage, to one decimal (or as many as make it non-zero)."""
    shown = fixed(value * 100, 1)
    places = 1
    while value and float(shown.replace(",", "")) == 0 and places < MAX_DECIMALS:
        places += 1
        shown = fixed(value * 100, places)
    return f"{shown}%"


def timestamp(text: str) -> str:
    """ISO 8601 text as 2026-01-05 00:00 UTC (seconds only when there are some)."""
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.UTC)
    shape = "%Y-%m-%d %H:%M:%S" if moment.second or moment.microsecond else "%Y-%m-%d %H:%M"
    return moment.strftime(shape) + " UTC"


def looks_like_time(value: Any) -> bool:
    """Whether a text value is an ISO 8601 date-time (how query results carry timestamps)."""
    return isinstance(value, str) and bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?", value))


def duration_seconds(text: str) -> int | None:
    """Seconds of an SOP duration (4h, 1h30m, 2d); None if it is not one."""
    parts = _DURATION.findall(text or "")
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(int(n) * _DURATION_WORDS[u][1] for n, u in parts)


def duration(text: str, lang: str = "en") -> str:
    """An SOP duration in words: 24h → 24 hours, 1h30m → 1 hour 30 minutes."""
    parts = _DURATION.findall(text or "")
    if not parts or "".join(n + u for n, u in parts) != text:
        return text
    return " ".join(labels.label(lang, f"{{n}} {_DURATION_WORDS[u][0]}{'' if int(n) == 1 else 's'}", n=f"{int(n):,}")
                    for n, u in parts)


def deadline(at: str, within: str) -> str | None:
    """When something due `within` of `at` is due, as ISO 8601 UTC text; None if either cannot be read."""
    seconds = duration_seconds(within)
    try:
        start = datetime.datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        return None
    if seconds is None:
        return None
    due = start.astimezone(datetime.UTC) + datetime.timedelta(seconds=seconds)
    return due.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def words(names: list[str], lang: str = "en") -> str:
    """a, b and c."""
    if len(names) <= 1:
        return "".join(names)
    return labels.label(lang, "{names} and {last}", names=labels.label(lang, ", ").join(names[:-1]), last=names[-1])


def clauses(parts: list[str], lang: str = "en") -> str:
    """Clauses of one sentence: a, b and c, or as lang separates clauses (in Chinese separated by a full-width semicolon)."""
    separator = labels.LABELS.get(lang, {}).get("clause separator")
    return separator.join(parts) if separator else words(parts, lang)


def label(path: str) -> str:
    """What a condition read, in words: linked_volume.rows[0].related_match_ratio → related match ratio."""
    last = re.split(r"[.\[\]]+", path.strip("]"))[-1] or path
    return last.replace("_", " ")
