"""Demo-data cases: market abuse (wash trading, spoofing and layering, pump-and-dump) and their look-alikes.

Every case trades on its own fictional symbol and prefixes every id with its
own short code, so that cases never meet each other or the background. Order
books are not simulated: each case writes the orders and the fills it needs
through `_Book`, which derives filled quantities, statuses and done times
from the fills and cancels, so that orders and trades always agree.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from compiler.demo.catalog import Case, Rows

Row = dict[str, Any]


def _at(text: str) -> datetime:
    """A naive UTC datetime from 'YYYY-MM-DD HH:MM[:SS]'."""
    return datetime.fromisoformat(text)


def _ts(moment: datetime) -> str:
    """Text DuckDB casts to TIMESTAMP, to the millisecond."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _secs(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def _account(account_id: str, user_id: str, created: str, kyc: int, country: str, *,
             mm: bool = False, parent: str | None = None) -> Row:
    return {"account_id": account_id, "user_id": user_id, "parent_account_id": parent,
            "created_at": _ts(_at(created)), "kyc_level": kyc, "country": country, "status": "active",
            "is_market_maker": mm, "referrer_account_id": None}


def _link(account_id: str, link_type: str, value: str, first: str, last: str) -> Row:
    return {"account_id": account_id, "link_type": link_type, "link_value": value,
            "first_seen": _ts(_at(first)), "last_seen": _ts(_at(last))}


def _instrument(symbol: str, market_type: str, base: str, listed: str) -> Row:
    perp = market_type == "perp"
    return {"symbol": symbol, "market_type": market_type, "base_asset": base, "quote_asset": "USDT",
            "max_leverage": 20.0 if perp else None, "maint_margin_rate": 0.025 if perp else None,
            "oi_cap_usd": 2_000_000.0 if perp else None, "listed_at": _ts(_at(listed)), "status": "trading"}


class _Book:
    """Orders and fills of one symbol; rows() derives filled_qty, status and done_ts."""

    def __init__(self, symbol: str, prefix: str) -> None:
        self.symbol = symbol
        self.prefix = prefix
        self._orders: dict[str, Row] = {}
        self._fills: dict[str, list[tuple[datetime, float]]] = {}
        self._cancels: dict[str, datetime] = {}
        self.trades: list[Row] = []

    def place(self, account: str, side: str, qty: float, at: datetime, *, price: float | None,
              bid: float, ask: float, order_type: str = "limit", tif: str = "GTC",
              stp_mode: str = "expire_taker", channel: str = "api") -> str:
        order_id = f"{self.prefix}-O{len(self._orders) + 1:05d}"
        self._orders[order_id] = {
            "order_id": order_id, "account_id": account, "symbol": self.symbol, "side": side,
            "order_type": order_type, "tif": tif, "price": price, "qty": qty, "created_ts": at,
            "best_bid_at_entry": bid, "best_ask_at_entry": ask, "reduce_only": False,
            "stp_mode": stp_mode, "channel": channel,
        }
        self._fills[order_id] = []
        return order_id

    def remaining(self, order_id: str) -> float:
        return float(self._orders[order_id]["qty"]) - sum(q for _, q in self._fills[order_id])

    def cancel(self, order_id: str, at: datetime) -> None:
        if self.remaining(order_id) > 1e-9 and order_id not in self._cancels:
            self._cancels[order_id] = at

    def fill(self, maker: str, taker: str, at: datetime, price: float, qty: float) -> Row:
        """One trade between a resting maker order and an incoming taker order."""
        taker_order = self._orders[taker]
        self._fills[maker].append((at, qty))
        self._fills[taker].append((at, qty))
        trade: Row = {
            "trade_id": f"{self.prefix}-T{len(self.trades) + 1:05d}", "symbol": self.symbol, "ts": _ts(at),
            "price": price, "qty": qty, "notional_usd": round(price * qty, 6),
            "maker_order_id": maker, "taker_order_id": taker,
            "maker_account_id": self._orders[maker]["account_id"], "taker_account_id": taker_order["account_id"],
            "taker_side": taker_order["side"], "is_liquidation": False,
        }
        self.trades.append(trade)
        return trade

    def price_of(self, order_id: str) -> float:
        return float(self._orders[order_id]["price"])

    def trade(self, maker_account: str, taker_account: str, taker_side: str, qty: float, price: float,
              at: datetime, *, spread: float, rest: float = 2.0) -> Row:
        """A resting limit order filled in full by a marketable limit order `rest` seconds later."""
        maker_side = "sell" if taker_side == "buy" else "buy"
        low, high = round(price - spread, 8), round(price + spread, 8)
        maker = self.place(maker_account, maker_side, qty, at - _secs(rest), price=price, bid=low, ask=high)
        taker = self.place(taker_account, taker_side, qty, at, price=price, tif="IOC",
                           bid=price if taker_side == "sell" else low, ask=price if taker_side == "buy" else high)
        return self.fill(maker, taker, at, price, qty)

    def rows(self) -> list[Row]:
        out: list[Row] = []
        for order_id, order in self._orders.items():
            fills = self._fills[order_id]
            filled = round(sum(q for _, q in fills), 9)
            row = dict(order, filled_qty=filled, created_ts=_ts(order["created_ts"]))
            if order_id in self._cancels:
                row["status"], done = "cancelled", self._cancels[order_id]
            elif filled >= float(order["qty"]) - 1e-9:
                row["status"], done = "filled", max(t for t, _ in fills)
            elif order["tif"] in ("IOC", "FOK") or order["order_type"] == "market":
                row["status"], done = "expired", max((t for t, _ in fills), default=order["created_ts"])
            else:
                row["status"], done = ("partially_filled" if filled else "new"), None
            row["done_ts"] = _ts(done) if done is not None else None
            out.append(row)
        return out


def _bars(symbol: str, trades: Iterable[Row], start: datetime, end: datetime, first_price: float, *,
          spread: float, depth_usd: float, perp: bool = False, oi_usd: float = 0.0) -> list[Row]:
    """One-minute bars from the trades, flat at the last close in minutes without trades."""
    by_minute: dict[datetime, list[Row]] = {}
    for t in trades:
        moment = datetime.fromisoformat(t["ts"]).replace(second=0, microsecond=0)
        by_minute.setdefault(moment, []).append(t)
    rows: list[Row] = []
    last, minute = first_price, start
    while minute < end:
        ticks = sorted(by_minute.get(minute, []), key=lambda t: (t["ts"], t["trade_id"]))
        prices = [float(t["price"]) for t in ticks] or [last]
        close = prices[-1]
        rows.append({
            "symbol": symbol, "ts": _ts(minute), "open": prices[0] if ticks else last, "high": max(prices),
            "low": min(prices), "close": close, "notional_usd": round(sum(float(t["notional_usd"]) for t in ticks), 6),
            "trade_count": len(ticks), "index_price": close, "mark_price": close,
            "best_bid": round(close - spread, 8), "best_ask": round(close + spread, 8),
            "depth_2pct_usd": depth_usd, "open_interest_usd": oi_usd if perp else None,
            "funding_rate": 0.0001 if perp else None,
        })
        last, minute = close, minute + timedelta(minutes=1)
    return rows


# -- wash trading ---------------------------------------------------------------------------------

_WR_SYMBOL = "TRLUSDT"


def _wash_ring() -> Rows:
    """WR-1, WR-2 and WR-3 share a phone and pass TRL round the ring, each ending flat."""
    rng = random.Random(5101)
    book = _Book(_WR_SYMBOL, "WR")
    ring = ["WR-1", "WR-2", "WR-3"]
    moment = _at("2026-01-05 09:00")
    for cycle in range(40):
        qty = float(rng.randrange(2500, 7500, 50))
        price = round(0.8400 + rng.randint(-15, 15) * 0.0001, 4)
        start = cycle % 3
        for hop in range(3):  # seller -> buyer, round the ring; every account buys and sells qty
            seller, buyer = ring[(start + hop) % 3], ring[(start + hop + 1) % 3]
            moment += _secs(rng.randint(40, 200))
            book.trade(seller, buyer, "buy", qty, price, moment, spread=0.0004, rest=rng.uniform(0.8, 3.0))
        moment += _secs(rng.randint(60, 400))
    # A little genuine business with strangers, balanced too.
    book.trade("WR-S1", "WR-1", "buy", 1000.0, 0.8380, _at("2026-01-05 11:02:10"), spread=0.0004, rest=30.0)
    book.trade("WR-S2", "WR-1", "sell", 1000.0, 0.8420, _at("2026-01-05 15:47:31"), spread=0.0004, rest=45.0)
    accounts = [
        _account("WR-1", "WR-U1", "2025-12-20 08:14", 1, "VN"),
        _account("WR-2", "WR-U2", "2025-12-21 19:02", 1, "VN"),
        _account("WR-3", "WR-U3", "2025-12-22 07:45", 1, "KH"),
        _account("WR-S1", "WR-U7", "2024-06-02 10:00", 2, "DE"),
        _account("WR-S2", "WR-U8", "2023-11-19 10:00", 2, "BR"),
    ]
    links = [_link(a, "device_id", "WR-dev-5f1c9a", "2025-12-20 08:14", "2026-01-05 17:30") for a in ring]
    links += [_link("WR-2", "payout_address", "WR-0x9be1c7f0aa", "2025-12-23 00:00", "2026-01-05 00:00"),
              _link("WR-3", "payout_address", "WR-0x9be1c7f0aa", "2025-12-23 00:00", "2026-01-05 00:00")]
    links += [_link(a, "ip", ip, "2025-12-20 00:00", "2026-01-05 17:30")
              for a, ip in (("WR-1", "203.0.113.41"), ("WR-2", "203.0.113.41"), ("WR-3", "198.51.100.7"))]
    return {
        "instruments": [_instrument(_WR_SYMBOL, "spot", "TRL", "2025-07-01 00:00")],
        "accounts": accounts, "identity_links": links, "orders": book.rows(), "trades": book.trades,
    }


_MM_SYMBOL = "KEPUSDT"


def _mm_stp_self_match() -> Rows:
    """MM-1 quotes both sides all day; its hedger crosses its own quotes and STP blocks the match."""
    rng = random.Random(5102)
    book = _Book(_MM_SYMBOL, "MM")
    prevented: list[Row] = []
    mid, tick = 12.40, 0.01
    takers = [f"MM-C{i}" for i in range(1, 9)]
    moment, end = _at("2026-01-05 10:00"), _at("2026-01-05 16:00")
    bid_id = ask_id = ""
    while moment < end:
        for old in (bid_id, ask_id):
            if old:
                book.cancel(old, moment)
        mid = round(mid + rng.choice((-1, 0, 0, 1)) * tick, 2)
        bid, ask = round(mid - tick, 2), round(mid + tick, 2)
        size = float(rng.randrange(40, 121, 5))
        bid_id = book.place("MM-1", "buy", size, moment, price=bid, bid=bid, ask=ask, tif="GTX", stp_mode="expire_maker")
        ask_id = book.place("MM-1", "sell", size, moment + _secs(0.01), price=ask, bid=bid, ask=ask, tif="GTX",
                            stp_mode="expire_maker")
        roll = rng.random()
        if roll < 0.22:  # a stranger takes one side of the quote
            side = rng.choice(("buy", "sell"))
            maker = ask_id if side == "buy" else bid_id
            qty = min(book.remaining(maker), float(rng.randrange(10, 90, 5)))
            at = moment + _secs(rng.uniform(3, 50))
            taker = book.place(rng.choice(takers), side, qty, at, price=ask if side == "buy" else bid, bid=bid, ask=ask,
                               tif="IOC", channel="web")
            book.fill(maker, taker, at, ask if side == "buy" else bid, qty)
        elif roll < 0.27:  # the hedger crosses MM-1's own quote; STP expires the resting maker order
            side = rng.choice(("buy", "sell"))
            maker = ask_id if side == "buy" else bid_id
            at = moment + _secs(rng.uniform(3, 50))
            qty = float(rng.randrange(20, 60, 5))
            price = ask if side == "buy" else bid
            taker = book.place("MM-1", side, qty, at, price=price, bid=bid, ask=ask, tif="IOC", stp_mode="expire_maker",
                               channel="fix")
            book.cancel(maker, at)
            book.cancel(taker, at)
            prevented.append({"ts": _ts(at), "symbol": _MM_SYMBOL, "taker_order_id": taker, "maker_order_id": maker,
                              "taker_account_id": "MM-1", "maker_account_id": "MM-1",
                              "trade_group_id": f"MM-G{len(prevented) + 1:04d}", "qty": qty, "price": price})
        moment += _secs(60)
    accounts = [_account("MM-1", "MM-U1", "2024-03-11 09:00", 3, "SG", mm=True)]
    accounts += [_account(t, f"MM-U{i + 2}", f"2025-0{i % 9 + 1}-15 12:00", 2, c)
                 for i, (t, c) in enumerate(zip(takers, ("GB", "FR", "US", "JP", "KR", "NL", "TR", "CA"), strict=True))]
    return {
        "instruments": [_instrument(_MM_SYMBOL, "spot", "KEP", "2024-02-01 00:00")],
        "accounts": accounts, "orders": book.rows(), "trades": book.trades, "prevented_matches": prevented,
    }


# -- spoofing and layering ------------------------------------------------------------------------

_SP_SYMBOL = "DRAXUSDT-PERP"


def _stranger_flow(book: _Book, rng: random.Random, accounts: list[str], start: datetime, end: datetime,
                   mid: float, tick: float, every: tuple[int, int], qty: tuple[int, int]) -> None:
    """Ordinary trading between strangers: a resting order hit by a marketable one."""
    moment = start + _secs(rng.randint(*every))
    while moment < end:
        maker, taker = rng.sample(accounts, 2)
        price = round(mid + rng.randint(-3, 3) * tick, 4)
        book.trade(maker, taker, rng.choice(("buy", "sell")), float(rng.randrange(qty[0], qty[1], 10)), price, moment,
                   spread=tick, rest=rng.uniform(5, 90))
        moment += _secs(rng.randint(*every))


def _spoofing_layering() -> Rows:
    """SP-1 rests small asks, layers ~$50k bids at the touch, sells into the lift, cancels within seconds."""
    rng = random.Random(5103)
    book = _Book(_SP_SYMBOL, "SP")
    tick = 0.0001
    crowd = [f"SP-C{i:02d}" for i in range(1, 9)]
    _stranger_flow(book, rng, crowd, _at("2026-01-06 13:00"), _at("2026-01-06 15:00"), 1.2500, tick, (40, 80), (300, 1800))
    bid, moment = 1.2500, _at("2026-01-06 14:01:00")
    for cycle in range(8):
        ask = round(bid + 2 * tick, 4)
        sell_qty = float(rng.randrange(1400, 2000, 100))
        sell = book.place("SP-1", "sell", sell_qty, moment, price=ask, bid=bid, ask=ask, tif="GTC")
        layers = []
        for level in range(4 + cycle % 2):  # four or five bids, 0-4 ticks behind the best bid
            at = moment + _secs(1.0 + 0.15 * level)
            price = round(bid - level * tick, 4)
            layers.append(book.place("SP-1", "buy", float(rng.randrange(38000, 42000, 500)), at, price=price,
                                     bid=bid, ask=ask, tif="GTC"))
        lifted = 0.0
        at = moment + _secs(2.2)
        while lifted < sell_qty:  # the crowd sees the bids and lifts the offer
            qty = min(sell_qty - lifted, float(rng.randrange(600, 1200, 100)))
            taker = book.place(rng.choice(crowd), "buy", qty, at, price=ask, bid=bid, ask=ask, tif="IOC", channel="web")
            book.fill(sell, taker, at, ask, qty)
            lifted += qty
            at += _secs(rng.uniform(0.3, 0.9))
        for order in layers:
            book.cancel(order, at + _secs(rng.uniform(0.2, 1.2)))
        bid = round(1.2500 + rng.choice((-1, 0, 1)) * tick, 4)
        moment += _secs(rng.randint(170, 220))
    short = sum(float(t["qty"]) for t in book.trades if t["maker_account_id"] == "SP-1")
    sold = sum(float(t["notional_usd"]) for t in book.trades if t["maker_account_id"] == "SP-1")
    last = float(book.trades[-1]["price"])
    positions = [{"ts": _ts(_at("2026-01-06 14:30")), "account_id": "SP-1", "symbol": _SP_SYMBOL, "size": -short,
                  "entry_price": round(sold / short, 6), "mark_price": last, "leverage": 10.0, "margin_mode": "cross",
                  "margin_usd": round(sold / 10, 2), "unrealized_pnl_usd": round(sold - short * last, 2),
                  "liq_price": round(sold / short * 1.09, 4)}]
    accounts = [_account("SP-1", "SP-U1", "2025-11-02 16:20", 2, "AE")]
    accounts += [_account(c, f"SP-U{i + 2}", "2025-05-10 09:00", 2, "GB") for i, c in enumerate(crowd)]
    return {
        "instruments": [_instrument(_SP_SYMBOL, "perp", "DRAX", "2025-06-01 00:00")],
        "accounts": accounts, "orders": book.rows(), "trades": book.trades, "position_snapshots": positions,
        "market_bars_1m": _bars(_SP_SYMBOL, book.trades, _at("2026-01-06 13:00"), _at("2026-01-06 15:00"), 1.2500,
                                spread=tick, depth_usd=180_000.0, perp=True, oi_usd=1_450_000.0),
        "security_events": [{"account_id": "SP-1", "ts": _ts(_at("2026-01-06 13:40")), "event_type": "api_key_create",
                             "ip": "192.0.2.88", "device_id": "SP-dev-01", "geo_country": "AE"}],
    }


_HQ_SYMBOL = "QUIXUSDT-PERP"


def _hft_quoter() -> Rows:
    """HQ-1, a designated market maker, re-quotes both sides every 4 s; most quotes are cancelled unfilled."""
    rng = random.Random(5104)
    book = _Book(_HQ_SYMBOL, "HQ")
    tick, mid = 0.0010, 3.4000
    crowd = [f"HQ-C{i:02d}" for i in range(1, 11)]
    moment, end = _at("2026-01-06 10:00"), _at("2026-01-06 10:30")
    quotes: tuple[str, str] = ("", "")
    refresh = 0
    while moment < end:
        for old in quotes:
            if old:
                book.cancel(old, moment)
        mid = round(mid + rng.choice((-1, 0, 0, 1)) * tick, 4)
        bid, ask = round(mid - tick, 4), round(mid + tick, 4)
        size = 5000.0 if refresh % 15 == 7 else float(rng.randrange(1000, 1501, 50))  # deep quotes, both sides
        quotes = (book.place("HQ-1", "buy", size, moment, price=bid, bid=bid, ask=ask, tif="GTX", stp_mode="expire_maker"),
                  book.place("HQ-1", "sell", size, moment + _secs(0.002), price=ask, bid=bid, ask=ask, tif="GTX",
                             stp_mode="expire_maker"))
        if rng.random() < 0.09:
            side = rng.choice(("buy", "sell"))
            maker = quotes[1] if side == "buy" else quotes[0]
            qty = min(book.remaining(maker), float(rng.randrange(100, 1201, 50)))
            at = moment + _secs(rng.uniform(0.5, 3.5))
            price = ask if side == "buy" else bid
            taker = book.place(rng.choice(crowd), side, qty, at, price=price, bid=bid, ask=ask, tif="IOC", channel="web")
            book.fill(maker, taker, at, price, qty)
        refresh += 1
        moment += _secs(4)
    for old in quotes:
        book.cancel(old, end)
    accounts = [_account("HQ-1", "HQ-U1", "2023-09-01 09:00", 3, "CH", mm=True)]
    accounts += [_account(c, f"HQ-U{i + 2}", "2025-03-03 09:00", 2, "ES") for i, c in enumerate(crowd)]
    return {
        "instruments": [_instrument(_HQ_SYMBOL, "perp", "QUIX", "2024-11-01 00:00")],
        "accounts": accounts, "orders": book.rows(), "trades": book.trades,
        "market_bars_1m": _bars(_HQ_SYMBOL, book.trades, _at("2026-01-06 10:00"), _at("2026-01-06 10:30"), 3.4000,
                                spread=tick, depth_usd=420_000.0, perp=True, oi_usd=3_900_000.0),
    }


# -- pump-and-dump --------------------------------------------------------------------------------

_PD_SYMBOL = "BRIXUSDT"
_NL_SYMBOL = "NOVXUSDT"


def _quiet_market(book: _Book, rng: random.Random, accounts: list[str], start: datetime, end: datetime,
                  price: float, tick: float, usd: tuple[int, int]) -> float:
    """Sparse small trades every 5-20 minutes, the price wandering a tick at a time; returns the last price."""
    moment = start + _secs(rng.randint(60, 600))
    while moment < end:
        price = round(price + rng.choice((-1, 0, 1)) * tick, 6)
        qty = float(round(rng.randint(*usd) / price, -1))
        maker, taker = rng.sample(accounts, 2)
        book.trade(maker, taker, rng.choice(("buy", "sell")), qty, price, moment, spread=tick, rest=rng.uniform(30, 600))
        moment += _secs(rng.randint(300, 1200))
    return price


def _sweep(book: _Book, rng: random.Random, buyers: list[str], ladder: list[str], start: datetime, end: datetime,
           levels: tuple[int, int]) -> datetime:
    """Market buys that each sweep several resting asks at one timestamp (rush orders); returns the last time."""
    moment = start
    while ladder and moment < end:
        count = rng.randint(*levels)
        take = ladder[:count]
        qty_total = sum(book.remaining(o) for o in take)
        best = book.price_of(take[0])
        taker = book.place(rng.choice(buyers), "buy", qty_total, moment, price=None, order_type="market", tif="IOC",
                           bid=round(best * 0.99, 6), ask=best, channel="app")
        for order in take:
            book.fill(order, taker, moment, book.price_of(order), book.remaining(order))
        del ladder[:count]
        moment += _secs(rng.uniform(15, 50))
    return moment


def _dump_back(book: _Book, rng: random.Random, sellers: list[str], bidders: list[str], start: datetime,
               prices: list[float]) -> None:
    """After the peak: late buyers sell into bids that step down."""
    moment = start
    for price in prices:
        qty = float(round(rng.randint(800, 2500) / price, -1))
        book.trade(rng.choice(bidders), rng.choice(sellers), "sell", qty, round(price, 4), moment,
                   spread=price * 0.002, rest=rng.uniform(20, 120))
        moment += _secs(rng.randint(45, 140))


def _pump_and_dump() -> Rows:
    """PD-1..3 (one device, one funding wallet) buy ~$38k of BRIX in the hour before a +60% pump and sell into it."""
    rng = random.Random(5105)
    book = _Book(_PD_SYMBOL, "PD")
    tick = 0.0001
    locals_ = [f"PD-R{i:02d}" for i in range(1, 11)]
    holders = ["PD-H1", "PD-H2"]
    followers = [f"PD-F{i:02d}" for i in range(1, 31)]
    ring = {"PD-1": 300_000.0, "PD-2": 240_000.0, "PD-3": 220_000.0}
    _quiet_market(book, rng, locals_, _at("2026-01-05 12:00"), _at("2026-01-06 13:00"), 0.0500, tick, (60, 400))
    # 13:00-13:55 the ring accumulates with bids that the holders hit.
    moment = _at("2026-01-06 13:02")
    for account, target in ring.items():
        bought = 0.0
        while bought < target:
            qty = min(target - bought, float(rng.randrange(15_000, 30_001, 1000)))
            price = round(0.0500 + rng.randint(-2, 2) * tick, 4)
            book.trade(account, rng.choice(holders), "sell", qty, price, moment, spread=tick, rest=rng.uniform(20, 90))
            bought += qty
            moment += _secs(rng.randint(50, 110))
    book.trade("PD-R03", "PD-R07", "buy", 2000.0, 0.0500, _at("2026-01-06 13:58:40"), spread=tick, rest=50.0)
    # 13:59 the ring lays a ladder of asks from +4% to +60%.
    ladder: list[tuple[float, str, float]] = []
    for account, held in ring.items():
        share = {"PD-1": 0.93, "PD-2": 0.83, "PD-3": 1.0}[account]
        for step in range(10):
            price = round(0.0520 + (0.0280 * (step * 3 + list(ring).index(account)) / 29), 4)
            ladder.append((price, account, round(held * share / 10, 0)))
    ladder.sort()
    ask_ids = [book.place(acc, "sell", qty, _at("2026-01-06 13:59:10") + _secs(i * 0.5), price=price,
                          bid=0.0499, ask=0.0501, tif="GTC")
               for i, (price, acc, qty) in enumerate(ladder)]
    # 14:00 the pump signal: followers' market buys sweep the ladder to 0.0800.
    peak = _sweep(book, rng, followers, ask_ids, _at("2026-01-06 14:00:05"), _at("2026-01-06 14:15"), (2, 5))
    _dump_back(book, rng, followers, holders + locals_, peak + _secs(30),
               [0.0780, 0.0760, 0.0720, 0.0700, 0.0680, 0.0650, 0.0630, 0.0610, 0.0600, 0.0580, 0.0560, 0.0550, 0.0540])
    _quiet_market(book, rng, locals_, _at("2026-01-06 15:00"), _at("2026-01-06 18:00"), 0.0540, tick, (60, 400))
    accounts = [_account(a, f"PD-U{i + 1}", f"2025-12-{28 + i} 21:00", 1, "NG") for i, a in enumerate(ring)]
    accounts += [_account(a, f"PD-U{10 + i}", "2025-04-01 09:00", 2, "GB") for i, a in enumerate(holders + locals_)]
    accounts += [_account(a, f"PD-U{30 + i}", "2025-09-01 09:00", 1, "IN") for i, a in enumerate(followers)]
    links = [_link(a, "device_id", "PD-dev-77e0", "2025-12-28 21:00", "2026-01-06 15:20") for a in ring]
    links += [_link(a, "deposit_source_address", "PD-0x3f2a91c4d8", "2026-01-06 10:05", "2026-01-06 10:20") for a in ring]
    transfers = [{"transfer_id": f"PD-X{i + 1:03d}", "ts": _ts(_at("2026-01-06 10:05") + timedelta(minutes=5 * i)),
                  "account_id": a, "kind": "deposit", "asset": "USDT", "amount": 16_000.0, "amount_usd": 16_000.0,
                  "counterparty_account_id": None, "chain": "TRON", "address": "PD-0x3f2a91c4d8",
                  "tx_hash": f"PD-tx-d{i + 1}", "kyt_risk": "low"} for i, a in enumerate(ring)]
    transfers += [{"transfer_id": f"PD-X{i + 4:03d}", "ts": _ts(_at("2026-01-06 15:10") + timedelta(minutes=3 * i)),
                   "account_id": a, "kind": "withdrawal", "asset": "USDT", "amount": amount, "amount_usd": amount,
                   "counterparty_account_id": None, "chain": "TRON", "address": "PD-0x51be0c7e22",
                   "tx_hash": f"PD-tx-w{i + 1}", "kyt_risk": "medium"}
                  for i, (a, amount) in enumerate((("PD-1", 19_100.0), ("PD-2", 17_100.0), ("PD-3", 19_700.0)))]
    return {
        "instruments": [_instrument(_PD_SYMBOL, "spot", "BRIX", "2025-08-14 00:00")],
        "accounts": accounts, "identity_links": links, "transfers": transfers,
        "orders": book.rows(), "trades": book.trades,
        "market_bars_1m": _bars(_PD_SYMBOL, book.trades, _at("2026-01-05 12:00"), _at("2026-01-06 18:00"), 0.0500,
                                spread=tick, depth_usd=4_000.0),
    }


def _news_listing_spike() -> Rows:
    """NOVX jumps +35% in 15 minutes on a public listing announcement; buyers and sellers are dispersed."""
    rng = random.Random(5106)
    book = _Book(_NL_SYMBOL, "NL")
    tick = 0.0005
    locals_ = [f"NL-R{i:02d}" for i in range(1, 11)]
    holders = [f"NL-H{i}" for i in range(1, 7)]
    buyers = [f"NL-F{i:02d}" for i in range(1, 26)]
    last = _quiet_market(book, rng, locals_, _at("2026-01-04 12:00"), _at("2026-01-05 15:00"), 0.4200, tick, (80, 600))
    # The hour before: a few small buys, and one long-term investor adding $12k that it keeps.
    book.trade("NL-R04", "NL-L1", "buy", 28_500.0, 0.4200, _at("2026-01-05 15:21:12"), spread=tick, rest=60.0)
    book.trade("NL-R02", "NL-R09", "buy", 3000.0, 0.4205, _at("2026-01-05 15:40:02"), spread=tick, rest=40.0)
    # 15:58 holders' asks rest from 0.423 upwards; 16:00 the announcement, buyers sweep them.
    ladder = sorted((round(0.4230 + 0.1440 * i / 39, 4), holders[i % 6], float(rng.randrange(4000, 9001, 500)))
                    for i in range(40))
    ask_ids = [book.place(h, "sell", q, _at("2026-01-05 15:58:00") + _secs(i), price=p, bid=last - tick, ask=last + tick)
               for i, (p, h, q) in enumerate(ladder)]
    peak = _sweep(book, rng, buyers, ask_ids, _at("2026-01-05 16:00:20"), _at("2026-01-05 16:15"), (1, 4))
    _dump_back(book, rng, buyers, holders + locals_, peak + _secs(60),
               [0.560, 0.555, 0.552, 0.548, 0.545, 0.549, 0.551, 0.547, 0.544, 0.546])
    _quiet_market(book, rng, locals_ + buyers, _at("2026-01-05 16:40"), _at("2026-01-05 20:00"), 0.5450, tick,
                  (150, 900))
    accounts = [_account(a, f"NL-U{i + 1}", "2025-02-01 09:00", 2, "FR")
                for i, a in enumerate([*locals_, *holders, "NL-L1"])]
    accounts += [_account(a, f"NL-U{20 + i}", "2025-10-01 09:00", 1, "BR") for i, a in enumerate(buyers)]
    return {
        "instruments": [_instrument(_NL_SYMBOL, "spot", "NOVX", "2025-03-20 00:00")],
        "accounts": accounts, "orders": book.rows(), "trades": book.trades,
        "market_bars_1m": _bars(_NL_SYMBOL, book.trades, _at("2026-01-04 12:00"), _at("2026-01-05 20:00"), 0.4200,
                                spread=tick, depth_usd=9_000.0),
    }


CASES: tuple[Case, ...] = (
    Case(
        name="wash_ring", typology="wash-trading", benign=False,
        summary="WR-1, WR-2 and WR-3 share one device and pass TRLUSDT round the ring in 120 trades (about $497k) on "
                "2026-01-05, each ending flat; WR-1 trades $332k, 99.5% of it with the other two.",
        subjects={"account_id": "WR-1"}, window=("2026-01-05T09:00:00Z", "2026-01-05T18:00:00Z"), rows=_wash_ring,
    ),
    Case(
        name="mm_stp_self_match", typology="wash-trading", benign=True,
        summary="Designated market maker MM-1 quotes KEPUSDT both sides from 10:00 to 16:00 on 2026-01-05; its hedger "
                "crosses its own quotes 24 times and self-trade prevention blocks each match (prevented_matches), while "
                "all 84 of its trades ($44.5k) are with eight unrelated takers.",
        subjects={"account_id": "MM-1"}, window=("2026-01-05T10:00:00Z", "2026-01-05T16:00:00Z"), rows=_mm_stp_self_match,
    ),
    Case(
        name="spoofing_layering", typology="spoofing-layering", benign=False,
        summary="SP-1 rests a small ask on DRAXUSDT-PERP, layers four or five ~$50k bids at and up to four ticks behind "
                "the best bid, sells about $2k into the lift and cancels the bids 2-4 s after placing them, eight times "
                "in 30 minutes ($1.8M cancelled against $15.9k filled).",
        subjects={"account_id": "SP-1", "symbol": _SP_SYMBOL}, window=("2026-01-06T14:00:00Z", "2026-01-06T14:30:00Z"),
        rows=_spoofing_layering,
    ),
    Case(
        name="hft_quoter", typology="spoofing-layering", benign=True,
        summary="Designated market maker HQ-1 re-quotes QUIXUSDT-PERP both sides every 4 s from 10:00 to 10:30 on "
                "2026-01-06: 898 of its 900 orders are cancelled (all within 5 s) and 48 fills; its 30 deep quotes "
                "(5,000 contracts, ~$17k) are placed on both sides at once, so no side dominates.",
        subjects={"account_id": "HQ-1", "symbol": _HQ_SYMBOL}, window=("2026-01-06T10:00:00Z", "2026-01-06T10:30:00Z"),
        rows=_hft_quoter,
    ),
    Case(
        name="pump_and_dump", typology="pump-and-dump", benign=False,
        summary="PD-1, PD-2 and PD-3 (one device, one funding wallet) buy 760k BRIX (~$38k) at about 0.0500 between "
                "13:02 and 13:44 on 2026-01-06; from 14:00 nine rush orders lift BRIXUSDT to 0.0800 (+60%) by 14:05, "
                "filling the ring's ladder of asks (93%, 83% and 100% of its coins, $46k, about $11k gain); the ring "
                "withdraws $55.9k at 15:10.",
        subjects={"symbol": _PD_SYMBOL, "account_id": "PD-1"},
        window=("2026-01-06T13:00:00Z", "2026-01-06T15:30:00Z"), rows=_pump_and_dump,
    ),
    Case(
        name="news_listing_spike", typology="pump-and-dump", benign=True,
        summary="NOVXUSDT rises from 0.4205 to 0.567 (+35%) between 16:00 and 16:08 on 2026-01-05 after a public "
                "listing announcement: $134k trades in 15 minutes, 13 rush orders from dispersed buyers sweep six "
                "holders' asks, and the only large pre-buyer (NL-L1, $12k at 15:21) keeps its coins.",
        subjects={"symbol": _NL_SYMBOL}, window=("2026-01-05T15:00:00Z", "2026-01-05T17:00:00Z"),
        rows=_news_listing_spike,
    ),
)
