"""Demo-data cases: AI-augmented operations (quality review of alerts closed by AI agents).

Each case adds the alerts an agent closed (`alert_cases`, with the headline
figure the agent quoted) and everything needed to recompute that figure: the
subject accounts, their identity links and siblings, and the trades with the
orders behind them, on the case's own spot symbol.

- agent_qa_systematic_error (AQ-): `agent-wash-7` closed 40 wash-trading
  alerts with no action. For 8 of its 14 `stp_prevented_match_spike` alerts
  it summed the related volume over the last hour of the alert window only,
  so it quoted $2.2k-$2.6k where the subject traded $86k-$110k with a
  device-linked account over the day.
- agent_qa_clean (AC-): `agent-wash-2` closed 20 wash-trading alerts whose
  quoted figures all match the trades within tolerance (rounding, and one
  figure 1.1% low because it left out a $761 print at the end of the window).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from compiler.demo.catalog import Case, Rows

Row = dict[str, Any]

SOP_ID = "wash-trading-linked-accounts"
SOP_VERSION = "1.2.0"
TICK = 0.0001


def _iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(day: int) -> datetime:
    return datetime(2026, 1, day)


@dataclass
class _Book:
    """Rows of one case, with running ids under the case's prefix."""

    prefix: str
    symbol: str
    rng: random.Random
    rows: dict[str, list[Row]] = field(default_factory=dict)
    trades: int = 0
    orders: int = 0

    def add(self, table: str, row: Row) -> None:
        self.rows.setdefault(table, []).append(row)

    def instrument(self, base: str, listed_at: datetime) -> None:
        self.add("instruments", {
            "symbol": self.symbol, "market_type": "spot", "base_asset": base, "quote_asset": "USDT",
            "max_leverage": None, "maint_margin_rate": None, "oi_cap_usd": None,
            "listed_at": _iso(listed_at), "status": "trading",
        })

    def account(self, account_id: str, created_at: datetime, country: str, parent: str | None = None) -> None:
        self.add("accounts", {
            "account_id": account_id, "user_id": f"{self.prefix}-U{account_id.split('-', 1)[1]}",
            "parent_account_id": parent, "created_at": _iso(created_at), "kyc_level": 2,
            "country": country, "status": "active", "is_market_maker": False, "referrer_account_id": None,
        })

    def link(self, account_id: str, link_type: str, value: str, first_seen: datetime) -> None:
        self.add("identity_links", {
            "account_id": account_id, "link_type": link_type, "link_value": value,
            "first_seen": _iso(first_seen), "last_seen": "2026-01-06T23:00:00Z",
        })

    def _order(self, account_id: str, side: str, order_type: str, tif: str, price: float, qty: float,
               created: datetime, done: datetime, bid: float, ask: float, channel: str) -> str:
        self.orders += 1
        order_id = f"{self.prefix}-O{self.orders:05d}"
        self.add("orders", {
            "order_id": order_id, "account_id": account_id, "symbol": self.symbol, "side": side,
            "order_type": order_type, "tif": tif, "price": price, "qty": qty, "filled_qty": qty,
            "status": "filled", "created_ts": _iso(created), "done_ts": _iso(done),
            "best_bid_at_entry": round(bid, 4), "best_ask_at_entry": round(ask, 4), "reduce_only": False,
            "stp_mode": "expire_taker", "channel": channel,
        })
        return order_id

    def trade(self, ts: datetime, price: float, qty: float, maker: str, taker: str, taker_side: str) -> float:
        """One fill with the resting maker order and the crossing taker order behind it; returns the notional."""
        price = round(price, 4)
        maker_side = "sell" if taker_side == "buy" else "buy"
        rested = ts - timedelta(seconds=self.rng.randint(4, 240))
        maker_order = self._order(maker, maker_side, "limit", "GTC", price, qty, rested, ts,
                                  price - TICK if maker_side == "sell" else price,
                                  price if maker_side == "sell" else price + TICK,
                                  self.rng.choice(["api", "web"]))
        taker_order = self._order(taker, taker_side, "limit", "IOC", price, qty, ts, ts,
                                  price - TICK if taker_side == "buy" else price,
                                  price if taker_side == "buy" else price + TICK,
                                  self.rng.choice(["api", "web", "app"]))
        self.trades += 1
        notional = round(price * qty, 2)
        self.add("trades", {
            "trade_id": f"{self.prefix}-T{self.trades:05d}", "symbol": self.symbol, "ts": _iso(ts),
            "price": price, "qty": qty, "notional_usd": notional, "maker_order_id": maker_order,
            "taker_order_id": taker_order, "maker_account_id": maker, "taker_account_id": taker,
            "taker_side": taker_side, "is_liquidation": False,
        })
        return notional

    def alert(self, case_id: str, alert_type: str, subject: str, window_start: datetime, closed_by: str,
              outcome: str, metric: str, value: float, minutes_to_close: int) -> None:
        window_end = window_start + timedelta(days=1)
        opened = window_end + timedelta(minutes=10)
        self.add("alert_cases", {
            "case_id": case_id, "alert_type": alert_type, "sop_id": SOP_ID, "sop_version": SOP_VERSION,
            "subject_account_id": subject, "symbol": self.symbol, "window_start": _iso(window_start),
            "window_end": _iso(window_end), "opened_ts": _iso(opened),
            "closed_ts": _iso(opened + timedelta(minutes=minutes_to_close)), "closed_by": closed_by,
            "closer_type": "agent", "outcome": outcome, "reported_metric": metric, "reported_value": value,
        })


def _at(rng: random.Random, day: datetime, first_hour: int, last_hour: int) -> datetime:
    """A random second between first_hour:00 and last_hour:59:59 of day."""
    return day + timedelta(hours=rng.randint(first_hour, last_hour), minutes=rng.randint(0, 59),
                           seconds=rng.randint(0, 59))


def _pair(book: _Book, n: int, created: datetime, country: str, how: str) -> tuple[str, str]:
    """Subject <prefix>-S<n> and its linked account <prefix>-L<n>, linked by how: a shared device_id,
    bank_account or payout_address, or parent (two sub-accounts of one master account <prefix>-P<n>)."""
    subject, linked = f"{book.prefix}-S{n:02d}", f"{book.prefix}-L{n:02d}"
    later = created + timedelta(days=3 * n % 40 + 2)
    tag = book.prefix.lower()
    parent = f"{book.prefix}-P{n:02d}" if how == "parent" else None
    if parent is not None:
        book.account(parent, created, country)
    book.account(subject, created, country, parent)
    book.account(linked, later, country, parent)
    book.link(subject, "device_id", f"{tag}-dev-s{n:02d}", created)
    if how == "device_id":
        book.link(linked, "device_id", f"{tag}-dev-s{n:02d}", later)
    else:
        book.link(linked, "device_id", f"{tag}-dev-l{n:02d}", later)
    if how in ("bank_account", "payout_address"):
        book.link(subject, how, f"{tag}-{how.replace('_', '-')}-{n:02d}", created)
        book.link(linked, how, f"{tag}-{how.replace('_', '-')}-{n:02d}", later)
    return subject, linked


def _strangers(book: _Book, count: int, countries: list[str]) -> list[str]:
    """Unrelated retail counterparties, each on its own device."""
    ids = [f"{book.prefix}-X{n:02d}" for n in range(1, count + 1)]
    for n, account_id in enumerate(ids):
        created = datetime(2025, 3, 1) + timedelta(days=9 * n)
        book.account(account_id, created, countries[n % len(countries)])
        book.link(account_id, "device_id", f"{book.prefix.lower()}-dev-x{n + 1:02d}", created)
    return ids


AQ_AGENT = "agent-wash-7"
AQ_WRONG = frozenset({27, 28, 30, 32, 33, 35, 37, 39})
"""agent-wash-7's cases whose related volume came from the last hour of the window only."""
LINKS = ("device_id", "bank_account", "parent")


def _stranger_trades(book: _Book, subject: str, strangers: list[str], day: datetime, price: float, count: int,
                     lots: tuple[int, int]) -> tuple[float, float]:
    """count fills between subject and random strangers, each lots[0]..lots[1] hundred coins;
    returns (volume, last price)."""
    rng = book.rng
    volume = 0.0
    for _ in range(count):
        price += rng.choice([-1, 1]) * TICK * rng.randint(0, 5)
        counterparty = rng.choice(strangers)
        qty = float(rng.randint(*lots) * 100)
        side = rng.choice(["buy", "sell"])
        if rng.random() < 0.5:
            volume += book.trade(_at(rng, day, 0, 22), price, qty, counterparty, subject, side)
        else:
            volume += book.trade(_at(rng, day, 0, 22), price, qty, subject, counterparty, side)
    return volume, price


def _systematic_rows() -> Rows:
    book = _Book("AQ", "AQXUSDT", random.Random(4107))
    rng = book.rng
    book.instrument("AQX", datetime(2025, 6, 2))
    strangers = _strangers(book, 10, ["DE", "FR", "BR", "VN", "TR", "GB", "ES", "PL", "ID", "NG"])
    price = 1.8420
    for i in range(1, 41):
        day = _day(5 if i % 2 else 6)
        wrong = i in AQ_WRONG
        subject, linked = _pair(book, i, datetime(2025, 4, 1) + timedelta(days=4 * i),
                                ["DE", "FR", "BR", "VN", "TR", "GB"][i % 6], "device_id" if wrong else LINKS[i % 3])
        volume, price = _stranger_trades(book, subject, strangers, day, price,
                                         rng.randint(2, 3) if wrong else rng.randint(4, 6), (20, 90))
        related = last_hour = 0.0
        if wrong:
            # Round trips with the device-linked account through the day, then a small one in the last hour:
            # the agent summed only the last hour (the STP alert's bucket) instead of the alert window.
            for hour in sorted(rng.sample(range(1, 22), 6)):
                qty = float(rng.randint(30, 55) * 100)
                ts = day + timedelta(hours=hour, minutes=rng.randint(0, 50), seconds=rng.randint(0, 59))
                related += book.trade(ts, price, qty, linked, subject, "buy")
                related += book.trade(ts + timedelta(seconds=rng.randint(6, 40)), price, qty, subject, linked, "buy")
            qty = float(rng.randint(6, 7) * 100)
            ts = day + timedelta(hours=23, minutes=rng.randint(5, 40), seconds=rng.randint(0, 59))
            last_hour += book.trade(ts, price, qty, linked, subject, "sell")
            last_hour += book.trade(ts + timedelta(seconds=rng.randint(6, 40)), price, qty, subject, linked, "sell")
            related += last_hour
        else:
            # One small fill with the linked account: well under a fifth of the subject's volume.
            qty = float(rng.randint(3, 10) * 100)
            related += book.trade(_at(rng, day, 1, 21), price, qty, linked, subject, rng.choice(["buy", "sell"]))
        volume += related
        alert_type = "related_account_volume_share" if i <= 26 else "stp_prevented_match_spike"
        if wrong:
            metric, value = "related_volume_usd", round(last_hour, 2)
        elif alert_type == "stp_prevented_match_spike" or i % 2:
            metric, value = "related_volume_usd", round(related, -1)
        else:
            metric, value = "volume_usd", round(volume, -1)
        book.alert(f"AQ-C{i:02d}", alert_type, subject, day, AQ_AGENT, "no_action", metric, value, 3 + i % 5)
    return book.rows


AC_AGENT = "agent-wash-2"
AC_DIRECTIONAL = frozenset({17, 18, 19, 20})
"""agent-wash-2's cases where the subject bought steadily from a linked account (closed as monitor)."""
AC_LATE_PRINT = 7
"""The case whose figure leaves out a print two seconds before the window closed."""


def _clean_rows() -> Rows:
    book = _Book("AC", "ACXUSDT", random.Random(2203))
    rng = book.rng
    book.instrument("ACX", datetime(2025, 8, 11))
    strangers = _strangers(book, 8, ["SG", "AE", "IT", "KR", "MX", "PH", "NL", "AR"])
    price = 0.4270
    for i in range(1, 21):
        day = _day(5 if i <= 10 else 6)
        directional = i in AC_DIRECTIONAL
        subject, linked = _pair(book, i, datetime(2025, 2, 10) + timedelta(days=6 * i),
                                ["SG", "AE", "IT", "KR", "MX"][i % 5],
                                "payout_address" if directional else LINKS[i % 3])
        volume, price = _stranger_trades(book, subject, strangers, day, price, rng.randint(4, 7), (100, 400))
        related = 0.0
        # Directional: the subject buys from its linked account all day (one side only, not net-flat);
        # otherwise one small fill with it.
        for _ in range(rng.randint(4, 6) if directional else 1):
            qty = float(rng.randint(150, 300) * 100) if directional else float(rng.randint(20, 60) * 100)
            related += book.trade(_at(rng, day, 1, 21), price, qty, linked, subject, "buy")
        volume += related
        late = 0.0
        if i == AC_LATE_PRINT:
            late = book.trade(day + timedelta(hours=23, minutes=59, seconds=58), price, 1800.0,
                              strangers[0], subject, "sell")
            volume += late
        alert_type = "wash_trade_ring_detected" if directional else "related_account_volume_share"
        if i % 3 == 0 or i == AC_LATE_PRINT:
            metric, value = "volume_usd", round(volume - late, -2 if i % 4 == 0 else 2)
        else:
            metric, value = "related_volume_usd", round(related, -1 if i % 4 == 0 else 2)
        book.alert(f"AC-C{i:02d}", alert_type, subject, day, AC_AGENT, "monitor" if directional else "no_action",
                   metric, value, 2 + i % 4)
    return book.rows


CASES: tuple[Case, ...] = (
    Case(
        name="agent_qa_systematic_error",
        typology="agent-quality",
        benign=False,
        summary=(
            "agent-wash-7 closed 40 wash-trading alerts on 2026-01-05/06 with no action; for 8 of its 14 "
            "stp_prevented_match_spike alerts it quoted only the last hour's related volume ($2.2k-$2.6k) "
            "where the subject traded $86k-$110k with a device-linked account (related share 72-92%, a missed "
            "escalation): 8 errors in 40 (20%), 8 in 14 (57%) within that alert type."
        ),
        subjects={"agent_id": AQ_AGENT},
        window=("2026-01-05T00:00:00Z", "2026-01-07T01:00:00Z"),
        rows=_systematic_rows,
    ),
    Case(
        name="agent_qa_clean",
        typology="agent-quality",
        benign=True,
        summary=(
            "agent-wash-2 closed 20 wash-trading alerts on 2026-01-05/06 (16 no action, 4 monitor); every "
            "quoted volume_usd or related_volume_usd matches the trades within $50 or 2% (AC-C07's is 1.1% low: "
            "it left out a $761 print two seconds before the window closed)."
        ),
        subjects={"agent_id": AC_AGENT},
        window=("2026-01-05T00:00:00Z", "2026-01-07T01:00:00Z"),
        rows=_clean_rows,
    ),
)
