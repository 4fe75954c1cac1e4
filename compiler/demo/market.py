"""`Market`: the rows of one symbol kept consistent with each other.

An order behind every trade, positions replayed from the fills, one-minute
bars aggregated from the trades, open interest from the positions. The
derivatives and market-incident cases build their contracts with it.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from compiler.demo.rows import MINUTE, PriceFn, Row, floor_minute, minutes


class Market:
    """Rows of one symbol that stay consistent with each other.

    ids is the id prefix of the case (and market), e.g. "LA-" gives orders
    LA-O00001 and trades LA-T00001. fair is the reference price used for the
    best bid and ask recorded on orders and bars.
    """

    def __init__(self, ids: str, symbol: str, fair: PriceFn, *, perp: bool, spread: float = 0.001) -> None:
        self.ids = ids
        self.symbol = symbol
        self.fair = fair
        self.perp = perp
        self.spread = spread
        self.orders: dict[str, Row] = {}
        self.trades: list[Row] = []
        self._history: dict[str, list[tuple[datetime, float, float]]] = {}
        self._oi: list[tuple[datetime, float]] = []
        self._oi_ts: list[datetime] = []

    # Orders and trades -------------------------------------------------------------------------------

    def order(self, account_id: str, side: str, ts: datetime, price: float | None, qty: float, *,
              order_type: str = "limit", tif: str = "GTC", channel: str = "api", reduce_only: bool = False,
              stp_mode: str | None = "cancel_taker", done_ts: datetime | None = None, status: str | None = None) -> str:
        """Register an order; filled_qty, status and done_ts follow from the fills unless given."""
        order_id = f"{self.ids}O{len(self.orders) + 1:05d}"
        mid = self.fair(ts)
        self.orders[order_id] = {
            "order_id": order_id, "account_id": account_id, "symbol": self.symbol, "side": side,
            "order_type": order_type, "tif": tif, "price": price, "qty": qty, "filled_qty": 0.0, "status": status,
            "created_ts": ts, "done_ts": done_ts, "best_bid_at_entry": round(mid * (1 - self.spread / 2), 6),
            "best_ask_at_entry": round(mid * (1 + self.spread / 2), 6), "reduce_only": reduce_only,
            "stp_mode": stp_mode, "channel": channel,
        }
        return order_id

    def fill(self, ts: datetime, taker: str, maker: str, taker_side: str, price: float, qty: float, *,
             liquidation: bool = False, maker_order: str | None = None, taker_order: str | None = None,
             rest: timedelta = timedelta(seconds=20)) -> str:
        """Record one trade, creating the maker's resting order and the taker's IOC order unless given."""
        maker_side = "sell" if taker_side == "buy" else "buy"
        if maker_order is None:
            maker_order = self.order(maker, maker_side, ts - rest, price, qty)
        if taker_order is None:
            taker_order = self.order(taker, taker_side, ts, price, qty, tif="IOC",
                                     channel="liquidation_engine" if liquidation else "api",
                                     reduce_only=liquidation)
        self.orders[maker_order]["filled_qty"] += qty
        self.orders[taker_order]["filled_qty"] += qty
        for order_id in (maker_order, taker_order):
            done = self.orders[order_id]["done_ts"]
            self.orders[order_id]["_last_fill"] = ts if done is None else done
        trade_id = f"{self.ids}T{len(self.trades) + 1:05d}"
        self.trades.append({
            "trade_id": trade_id, "symbol": self.symbol, "ts": ts, "price": price, "qty": qty,
            "notional_usd": round(price * qty, 2), "maker_order_id": maker_order, "taker_order_id": taker_order,
            "maker_account_id": maker, "taker_account_id": taker, "taker_side": taker_side,
            "is_liquidation": liquidation,
        })
        return trade_id

    def background(self, rng: random.Random, start: datetime, end: datetime, traders: Sequence[str],
                   makers: Sequence[str], *, gap_s: tuple[int, int], qty: tuple[float, float], lot: float) -> None:
        """Ordinary two-sided flow: a taker from traders hits a maker from makers near the fair price."""
        moment = start + timedelta(seconds=rng.randint(*gap_s))
        while moment < end:
            taker = rng.choice(traders)
            maker = rng.choice([m for m in makers if m != taker])
            side = rng.choice(("buy", "sell"))
            mid = self.fair(moment) * (1 + rng.uniform(-0.0005, 0.0005))
            price = round(mid * (1 + self.spread / 2 if side == "buy" else 1 - self.spread / 2), 6)
            size = round(rng.uniform(*qty) / lot) * lot
            self.fill(moment, taker, maker, side, price, size, rest=timedelta(seconds=rng.randint(5, 90)))
            moment += timedelta(seconds=rng.randint(*gap_s))

    def order_rows(self) -> list[Row]:
        """The orders with filled quantity, status and done time from their fills."""
        rows = []
        for order in self.orders.values():
            row = {k: v for k, v in order.items() if not k.startswith("_")}
            row["filled_qty"] = round(row["filled_qty"], 8)
            if row["status"] is None:
                filled = row["filled_qty"] >= row["qty"] - 1e-9
                row["status"] = "filled" if filled else "cancelled"
            if row["done_ts"] is None:
                row["done_ts"] = order.get("_last_fill", row["created_ts"])
            rows.append(row)
        return rows

    # Positions ---------------------------------------------------------------------------------------

    def _replay(self) -> dict[str, list[tuple[datetime, float, float]]]:
        """(ts, size, entry price) after every fill, per account; sizes signed, long positive.

        Also records the open interest (sum of long sizes) after every fill.
        """
        if self._history:
            return self._history
        state: dict[str, tuple[float, float]] = {}
        longs = 0.0
        for trade in sorted(self.trades, key=lambda t: (t["ts"], t["trade_id"])):
            buyer, seller = ((trade["taker_account_id"], trade["maker_account_id"]) if trade["taker_side"] == "buy"
                             else (trade["maker_account_id"], trade["taker_account_id"]))
            for who, delta in ((buyer, trade["qty"]), (seller, -trade["qty"])):
                size, entry = state.get(who, (0.0, 0.0))
                new = size + delta
                if abs(new) < 1e-9:
                    new, entry = 0.0, 0.0
                elif size == 0 or (size > 0) != (new > 0):
                    entry = trade["price"]
                elif (size > 0) == (delta > 0):
                    entry = (abs(size) * entry + abs(delta) * trade["price"]) / abs(new)
                longs += max(new, 0.0) - max(size, 0.0)
                state[who] = (new, entry)
                self._history.setdefault(who, []).append((trade["ts"], new, entry))
            self._oi.append((trade["ts"], longs))
        return self._history

    def position(self, account_id: str, moment: datetime) -> tuple[float, float]:
        """Signed size and entry price of an account just after moment."""
        history = self._replay().get(account_id, [])
        index = bisect.bisect_right([ts for ts, _, _ in history], moment)
        return (history[index - 1][1], history[index - 1][2]) if index else (0.0, 0.0)

    def open_interest(self, moment: datetime) -> float:
        """Open interest in contracts: the sum of long positions just after moment."""
        self._replay()
        index = bisect.bisect_right(self._oi_times(), moment)
        return self._oi[index - 1][1] if index else 0.0

    def _oi_times(self) -> list[datetime]:
        if len(self._oi_ts) != len(self._oi):
            self._oi_ts = [ts for ts, _ in self._oi]
        return self._oi_ts

    def snapshot(self, ts: datetime, account_id: str, margin_usd: float, mark: PriceFn, mmr: float) -> Row:
        """A position_snapshots row for an isolated-margin position, with its liquidation price."""
        size, entry = self.position(account_id, ts)
        mark_price = mark(floor_minute(ts))
        qty = abs(size)
        if qty == 0:
            liq = None
        elif size > 0:
            liq = max((entry * qty - margin_usd) / (qty * (1 - mmr)), 0.0)
        else:
            liq = (entry * qty + margin_usd) / (qty * (1 + mmr))
        return {"ts": ts, "account_id": account_id, "symbol": self.symbol, "size": size,
                "entry_price": round(entry, 6) if qty else None, "mark_price": round(mark_price, 6),
                "leverage": round(qty * mark_price / margin_usd, 2) if qty and margin_usd else None,
                "margin_mode": "isolated", "margin_usd": margin_usd,
                "unrealized_pnl_usd": round(size * (mark_price - entry), 2), "liq_price": None if liq is None
                else round(liq, 6)}

    # Bars --------------------------------------------------------------------------------------------

    def bars(self, start: datetime, end: datetime, depth: PriceFn, *, index: PriceFn | None = None,
             mark: PriceFn | None = None, funding: float | None = None) -> list[Row]:
        """One market_bars_1m row per minute from the trades; quiet minutes carry the last close."""
        by_minute: dict[datetime, list[Row]] = {}
        for trade in self.trades:
            by_minute.setdefault(floor_minute(trade["ts"]), []).append(trade)
        rows = []
        close = round(self.fair(start), 6)
        for minute in minutes(start, end):
            trades = sorted(by_minute.get(minute, []), key=lambda t: (t["ts"], t["trade_id"]))
            prices = [t["price"] for t in trades]
            open_ = prices[0] if prices else close
            close = prices[-1] if prices else close
            mark_price = round(mark(minute), 6) if mark else None
            oi = self.open_interest(minute + MINUTE - timedelta(microseconds=1)) if self.perp else None
            rows.append({
                "symbol": self.symbol, "ts": minute, "open": open_, "high": max(prices, default=close),
                "low": min(prices, default=close), "close": close,
                "notional_usd": round(sum(t["notional_usd"] for t in trades), 2), "trade_count": len(trades),
                "index_price": round(index(minute), 6) if index else None, "mark_price": mark_price,
                "best_bid": round(close * (1 - self.spread / 2), 6),
                "best_ask": round(close * (1 + self.spread / 2), 6),
                "depth_2pct_usd": round(depth(minute), 2),
                "open_interest_usd": round(oi * mark_price, 2) if oi is not None and mark_price else None,
                "funding_rate": funding if self.perp else None,
            })
        return rows
