"""Demo-data cases: market incidents (a flash crash through a self-referencing index, a constituent the index
follows far from its peers, and their benign look-alikes)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from compiler.demo.catalog import Case, Rows
from compiler.demo.market import Market
from compiler.demo.rows import (
    PriceFn,
    Row,
    account,
    at,
    floor_minute,
    index_rows,
    liquidation,
    path,
    spot_and_perp_rows,
    weighted_index,
)


def _closes(bars: list[Row]) -> Callable[[datetime], float]:
    """The close of a market's bar in the minute of a moment."""
    by_minute = {bar["ts"]: bar["close"] for bar in bars}

    def close(moment: datetime) -> float:
        return float(by_minute[floor_minute(moment)])

    return close


# flash_crash -------------------------------------------------------------------------------------------

FC_PERP, FC_SPOT = "FCXUSDT-PERP", "FCXUSDT"
FC_DAY = (at("2026-01-06T10:00"), at("2026-01-06T18:00"))
_FC_MMR = 0.01
# Prices of the external venues, minute by minute: a genuine 3% dip at 14:01-14:04.
_FC_EXT = path([("2026-01-06T10:00", 10.00), ("2026-01-06T14:00", 10.00), ("2026-01-06T14:01", 9.80),
                ("2026-01-06T14:02", 9.70), ("2026-01-06T14:03", 9.72), ("2026-01-06T14:04", 9.80),
                ("2026-01-06T14:05", 9.88), ("2026-01-06T14:06", 9.92), ("2026-01-06T14:08", 9.95),
                ("2026-01-06T15:00", 9.97), ("2026-01-06T18:00", 9.98)])
# This venue's spot book: one seller sweeps the bids at 14:01 and arbitrageurs buy it back over four minutes.
_FC_SPOT_PATH = path([("2026-01-06T10:00", 10.00), ("2026-01-06T14:00", 10.00), ("2026-01-06T14:01", 6.90),
                      ("2026-01-06T14:02", 7.40), ("2026-01-06T14:03", 8.60), ("2026-01-06T14:04", 9.40),
                      ("2026-01-06T14:05", 9.80), ("2026-01-06T14:06", 9.90), ("2026-01-06T14:08", 9.95),
                      ("2026-01-06T15:00", 9.97), ("2026-01-06T18:00", 9.98)])
_FC_EXCLUDED = (at("2026-01-06T14:02"), at("2026-01-06T14:04"))
_FC_SELF = "self:FCXUSDT"


def _fc_excluded(source: str, minute: datetime) -> bool:
    """The index drops this venue's own spot price from 14:02 to 14:04 (more than 10% from the median)."""
    return source == _FC_SELF and _FC_EXCLUDED[0] <= minute <= _FC_EXCLUDED[1]


_FC_MARK_CRASH = path([("2026-01-06T14:00", 10.00), ("2026-01-06T14:01", 8.70), ("2026-01-06T14:02", 9.20),
                       ("2026-01-06T14:03", 9.50), ("2026-01-06T14:04", 9.70), ("2026-01-06T14:05", 9.83)])


def _fc_instant_mark(moment: datetime) -> float:
    """Mark price inside 14:01, when the index took the crashed spot price: 10.00 → 8.64 in 40 seconds."""
    seconds = (moment - at("2026-01-06T14:01")).total_seconds()
    return 10.0 - (10.0 - 8.64) * min(max(seconds, 0.0), 40.0) / 40.0


def _flash_crash() -> Rows:
    rng = random.Random(6101)
    day0, day1 = FC_DAY
    spot = Market("FC-S", FC_SPOT, _FC_SPOT_PATH, perp=False, spread=0.001)
    perp = Market("FC-P", FC_PERP, _FC_EXT, perp=True, spread=0.0008)
    spot_makers = [f"FC-SM{i}" for i in range(1, 7)]
    spot.background(rng, day0, at("2026-01-06T14:00:55"), spot_makers[2:], spot_makers[:2],
                    gap_s=(90, 240), qty=(200, 2_000), lot=10)
    # 14:01:00-14:01:24 FC-W1 sells 36k FCX at market on the spot book: 25 fills from 9.98 down to 6.90.
    clips = [1_000.0 + 200 * (i % 5) for i in range(24)] + [2_800.0]
    sweep = spot.order("FC-W1", "sell", at("2026-01-06T14:01:00"), None, sum(clips), order_type="market", tif="IOC")
    for i, clip in enumerate(clips):
        spot.fill(at("2026-01-06T14:01:00") + timedelta(seconds=i), "FC-W1", spot_makers[i % 6], "sell",
                  round(9.98 - (9.98 - 6.90) * i / 24, 4), clip, taker_order=sweep)
    # 14:01:30-14:06 arbitrageurs buy the spot back towards the external venues.
    for minute, (lo, hi) in zip(range(1, 7), ((6.90, 6.90), (7.0, 7.40), (7.6, 8.60), (8.8, 9.40),
                                              (9.5, 9.80), (9.85, 9.90)), strict=True):
        for k in range(4):
            ts = at("2026-01-06T14:00:30") + timedelta(minutes=minute, seconds=7 * k)
            if minute == 1:
                ts = at("2026-01-06T14:01:30") + timedelta(seconds=5 * k)
            spot.fill(ts, ("FC-A1", "FC-A2")[k % 2], spot_makers[(k + minute) % 6], "buy",
                      round(lo + (hi - lo) * k / 3, 4), 1_500)
    spot.background(rng, at("2026-01-06T14:07"), day1, spot_makers[2:], spot_makers[:2],
                    gap_s=(90, 240), qty=(200, 2_000), lot=10)
    spot_bars = spot.bars(day0, day1, lambda t: 400_000.0 if not at("2026-01-06T14:01") <= t < at("2026-01-06T14:06")
                          else 15_000.0)
    own = _closes(spot_bars)
    sources: list[tuple[str, float, PriceFn]] = [("ext_a:FCX-USDT", 0.3, _FC_EXT),
                                                 ("ext_b:FCX-USDT", 0.3, lambda m: _FC_EXT(m) * 0.999),
                                                 (_FC_SELF, 0.4, own)]
    index = weighted_index(sources, _fc_excluded)

    def mark(moment: datetime) -> float:
        minute = floor_minute(moment)
        if at("2026-01-06T14:00") < minute <= at("2026-01-06T14:05"):
            return _FC_MARK_CRASH(minute)
        return index(minute) * 1.0002

    # Opening longs 10:05-13:30 against the market maker: 36 that the crash liquidates, 8 at low leverage that survive.
    levered = [50] * 6 + [25] * 6 + [20] * 8 + [15] * 6 + [12] * 3 + [10] * 7
    longs = [(f"FC-L{i + 1:02d}", lev) for i, lev in enumerate(levered)] + \
            [(f"FC-H{i + 1:02d}", lev) for i, lev in enumerate([5, 5, 4, 3, 5, 3, 4, 5])]
    book: dict[str, tuple[float, int]] = {}
    for i, (who, lev) in enumerate(longs):
        ts = at("2026-01-06T10:05") + timedelta(seconds=270 * i + rng.randint(0, 60))
        price = round(10.0 + rng.uniform(0.0, 0.02), 4) if lev == 50 else round(10.0 + rng.uniform(-0.02, 0.02), 4)
        qty = round(rng.uniform(2_000, 12_000), -2)
        perp.fill(ts, who, "FC-MM1", "buy", price, qty)
        book[who] = (qty, lev)
    perp.background(rng, day0, at("2026-01-06T14:00:50"), [f"FC-T{i}" for i in range(1, 7)], ["FC-MM1", "FC-MM2"],
                    gap_s=(60, 200), qty=(300, 3_000), lot=10)

    def margin(who: str) -> float:
        lev = book[who][1]
        size, entry = perp.position(who, at("2026-01-06T13:59"))
        return round(entry * size / lev, 2)

    snaps = [perp.snapshot(at(t), who, margin(who), mark, _FC_MMR)
             for t in ("2026-01-06T13:30:30", "2026-01-06T14:00:30") for who, _ in longs]
    liq_price = {row["account_id"]: row["liq_price"] for row in snaps if row["ts"] == at("2026-01-06T14:00:30")}
    # 14:01 the mark follows the crashed index; the engine liquidates the 36 most levered longs through a thin book.
    doomed = sorted((who for who, lev in longs if lev >= 10), key=lambda w: (-liq_price[w], w))
    dip_buyers = ["FC-MM1", "FC-B1", "FC-B2", "FC-B3", "FC-B4", "FC-MM2"]
    liquidations = []
    last = at("2026-01-06T14:01:00")
    for k, who in enumerate(doomed):
        crossing = (10.0 - liq_price[who]) / (10.0 - 8.64) * 40.0
        ts = max(at("2026-01-06T14:01:00") + timedelta(seconds=int(crossing) + 1), last + timedelta(seconds=1))
        last = ts
        qty = book[who][0]
        entry = perp.position(who, ts)[1]
        fill = round(9.85 - (9.85 - 7.00) * k / (len(doomed) - 1), 4)
        perp.fill(ts, who, dip_buyers[k % 6], "sell", fill, qty, liquidation=True)
        bankruptcy = entry - margin(who) / qty
        liquidations.append(liquidation(f"FC-LQ{k + 1:03d}", ts, who, FC_PERP, "long", qty,
                                        min(_fc_instant_mark(ts), liq_price[who]), bankruptcy, fill, "orderbook"))
    # 14:02-14:05 panic sellers hit stale bids, then arbitrageurs lift the perp back to the index.
    after = [("2026-01-06T14:02:05", "FC-T1", "sell", 7.30), ("2026-01-06T14:02:15", "FC-T2", "sell", 7.10),
             ("2026-01-06T14:02:25", "FC-T3", "sell", 6.90), ("2026-01-06T14:02:40", "FC-T1", "sell", 7.20),
             ("2026-01-06T14:02:50", "FC-A1", "buy", 7.60), ("2026-01-06T14:03:10", "FC-A1", "buy", 8.20),
             ("2026-01-06T14:03:30", "FC-A2", "buy", 8.60), ("2026-01-06T14:03:50", "FC-A1", "buy", 8.90),
             ("2026-01-06T14:04:10", "FC-A2", "buy", 9.30), ("2026-01-06T14:04:40", "FC-A1", "buy", 9.60),
             ("2026-01-06T14:05:10", "FC-A2", "buy", 9.80), ("2026-01-06T14:05:40", "FC-A1", "buy", 9.85)]
    for k, (when, who, side, price) in enumerate(after):
        perp.fill(at(when), who, dip_buyers[(k + 1) % 6] if side == "sell" else "FC-MM2", side, price, 800)
    perp.background(rng, at("2026-01-06T14:07"), day1, [f"FC-T{i}" for i in range(1, 7)], ["FC-MM1", "FC-MM2"],
                    gap_s=(60, 200), qty=(300, 3_000), lot=10)

    traders = ["FC-W1", "FC-A1", "FC-A2", *(f"FC-T{i}" for i in range(1, 7)), *(f"FC-B{i}" for i in range(1, 5))]
    accounts = [account("FC-MM1", "2024-01-01T00:00", country="GB", kyc_level=3, market_maker=True),
                account("FC-MM2", "2024-02-01T00:00", country="SG", kyc_level=3, market_maker=True),
                *(account(m, "2024-06-01T00:00", country="HK", kyc_level=3, market_maker=True) for m in spot_makers),
                *(account(who, "2025-01-10T00:00", country="AE", kyc_level=3) for who in traders),
                *(account(who, "2025-04-01T00:00", country=c) for (who, _), c in
                  zip(longs, ["DE", "FR", "BR", "TR", "KR", "JP", "VN", "IN", "ID", "NG", "AR"] * 4, strict=False))]

    def depth(moment: datetime) -> float:
        """The perp book's 2% depth: it empties during the crash minutes."""
        return 20_000.0 if at("2026-01-06T14:01") <= moment < at("2026-01-06T14:06") else 600_000.0

    return spot_and_perp_rows(spot, perp, base="FCX", listed="2025-03-01T00:00",
                              perp_limits=(50, _FC_MMR, 20_000_000), accounts=accounts, snapshots=snaps,
                              liquidations=liquidations, spot_bars=spot_bars,
                              perp_bars=perp.bars(day0, day1, depth, index=index, mark=mark, funding=0.0001),
                              index_components=index_rows(FC_PERP, day0, day1, sources, _fc_excluded))


# volatile_but_healthy ----------------------------------------------------------------------------------

VH_PERP, VH_SPOT = "VHXUSDT-PERP", "VHXUSDT"
VH_DAY = (at("2026-01-05T14:00"), at("2026-01-05T18:00"))
_VH_MMR = 0.01
# A news-driven 12% drop in ten minutes on every venue, then a partial rebound.
_VH_FAIR = path([("2026-01-05T14:00", 25.00), ("2026-01-05T16:00", 25.00), ("2026-01-05T16:10", 22.00),
                 ("2026-01-05T16:30", 22.60), ("2026-01-05T18:00", 22.70)])


def _vh_end(moment: datetime) -> float:
    """The fair price at the end of a moment's minute (index sources report minute closes)."""
    return _VH_FAIR(floor_minute(moment) + timedelta(seconds=59))


def _volatile_but_healthy() -> Rows:
    rng = random.Random(6102)
    day0, day1 = VH_DAY
    spot = Market("VH-S", VH_SPOT, _VH_FAIR, perp=False, spread=0.0006)
    perp = Market("VH-P", VH_PERP, _VH_FAIR, perp=True, spread=0.0004)
    makers = ["VH-MM1", "VH-MM2"]
    traders = [f"VH-T{i}" for i in range(1, 9)]
    spot.background(rng, day0, day1, traders, makers, gap_s=(20, 50), qty=(50, 600), lot=1)
    sources: list[tuple[str, float, PriceFn]] = [("ext_a:VHX-USDT", 0.35, _vh_end),
                                                 ("ext_b:VHX-USDT", 0.35, lambda m: _vh_end(m) * 1.0008)]
    longs = [(f"VH-L{i}", lev) for i, lev in enumerate([20, 20, 25, 20, 5, 3, 4], start=1)]
    book: dict[str, int] = {}
    for i, (who, lev) in enumerate(longs):
        perp.fill(at("2026-01-05T14:10") + timedelta(minutes=9 * i), who, makers[i % 2], "buy",
                  round(25.0 + rng.uniform(-0.01, 0.01), 3), round(rng.uniform(1_000, 4_000), -1))
        book[who] = lev
    perp.background(rng, day0, day1, traders, makers, gap_s=(15, 45), qty=(50, 800), lot=1)
    spot_bars = spot.bars(day0, day1, lambda t: 900_000.0)
    sources.append(("self:VHXUSDT", 0.30, _closes(spot_bars)))
    index = weighted_index(sources)

    def mark(moment: datetime) -> float:
        return index(moment) * 1.0005

    def margin(who: str) -> float:
        size, entry = perp.position(who, at("2026-01-05T15:30"))
        return round(entry * size / book[who], 2)

    snaps = [perp.snapshot(at(t), who, margin(who), mark, _VH_MMR)
             for t in ("2026-01-05T15:00:30", "2026-01-05T16:00:30") for who, _ in longs]
    liq_price = {row["account_id"]: row["liq_price"] for row in snaps if row["ts"] == at("2026-01-05T16:00:30")}
    liquidations = []
    for k, who in enumerate(sorted((w for w, lev in longs if lev >= 20), key=lambda w: (-liq_price[w], w))):
        # Liquidated in the first minute whose mark is at or below the liquidation price; filled 0.2% lower.
        minute = next(m for m in (at("2026-01-05T16:00") + timedelta(minutes=i) for i in range(10))
                      if mark(m) <= liq_price[who])
        ts = minute + timedelta(seconds=20 + 5 * k)
        size, entry = perp.position(who, ts)
        fill = round(mark(minute) * 0.998, 3)
        perp.fill(ts, who, makers[k % 2], "sell", fill, size, liquidation=True)
        liquidations.append(liquidation(f"VH-LQ{k + 1:03d}", ts, who, VH_PERP, "long", size, mark(minute),
                                        entry - margin(who) / size, fill, "orderbook"))
    accounts = [*(account(m, "2024-01-01T00:00", country="GB", kyc_level=3, market_maker=True) for m in makers),
                *(account(who, "2025-02-01T00:00") for who in traders),
                *(account(who, "2025-05-01T00:00", country="PL") for who, _ in longs)]
    return spot_and_perp_rows(spot, perp, base="VHX", listed="2024-08-01T00:00",
                              perp_limits=(25, _VH_MMR, 40_000_000), accounts=accounts, snapshots=snaps,
                              liquidations=liquidations, spot_bars=spot_bars,
                              perp_bars=perp.bars(day0, day1, lambda t: 1_200_000.0, index=index, mark=mark,
                                                  funding=0.0001),
                              index_components=index_rows(VH_PERP, day0, day1, sources))


# corrupted_index_source / thin_source_glitch --------------------------------------------------------------

CI_PERP, CI_SPOT = "CIXUSDT-PERP", "CIXUSDT"
GL_PERP, GL_SPOT = "GLXUSDT-PERP", "GLXUSDT"
_CI_DAY = (at("2026-01-07T08:00"), at("2026-01-07T11:00"))
_CI_BAD = (at("2026-01-07T09:30"), at("2026-01-07T09:41"))
_CI_MMR = 0.01


def _off_source(fair: PriceFn, drop: float) -> PriceFn:
    """A constituent that prints `drop` below fair from 09:30 to 09:41 (a stale or manipulated feed)."""

    def price(moment: datetime) -> float:
        minute = floor_minute(moment)
        return fair(minute) * (1 - drop) if _CI_BAD[0] <= minute < _CI_BAD[1] else fair(minute)

    return price


def _index_follows_source(prefix: str, perp_symbol: str, spot_symbol: str, bad_weight: float,
                          levered: list[int]) -> Rows:
    """One external constituent prints 15% low for eleven minutes and the index engine never excludes it.

    The index, the mark and the perp's trades follow the index (arbitrageurs trade against the mark), so
    last against index and mark against index stay small; this venue's own spot book and the other
    constituents stay at 20. Longs whose liquidation price lies between the corrupted index and 20 are
    liquidated by the bad constituent alone.
    """
    rng = random.Random(6103 if bad_weight > 0.1 else 6104)
    day0, day1 = _CI_DAY
    fair = path([("2026-01-07T08:00", 20.0), ("2026-01-07T11:00", 20.02)])
    sources: list[tuple[str, float, PriceFn]] = [
        (f"ext_a:{prefix}X-USDT", (1 - bad_weight) / 2, fair),
        (f"ext_b:{prefix}X-USDT", (1 - bad_weight) / 2, lambda m: fair(m) * 1.0005),
        (f"thin:{prefix}X-USDT", bad_weight, _off_source(fair, 0.15)),
    ]
    index = weighted_index(sources)

    def mark(moment: datetime) -> float:
        return index(moment) * 1.0002

    makers = [f"{prefix}-MM1", f"{prefix}-MM2"]
    traders = [f"{prefix}-T{i}" for i in range(1, 7)]
    spot = Market(f"{prefix}-S", spot_symbol, fair, perp=False, spread=0.0008)
    perp = Market(f"{prefix}-P", perp_symbol, mark, perp=True, spread=0.0006)
    spot.background(rng, day0, day1, traders, makers, gap_s=(30, 90), qty=(100, 1_500), lot=10)
    longs = [(f"{prefix}-L{i + 1:02d}", lev) for i, lev in enumerate(levered)]
    for i, (who, _) in enumerate(longs):
        perp.fill(at("2026-01-07T08:10") + timedelta(minutes=7 * i), who, makers[i % 2], "buy", 20.0,
                  round(rng.uniform(1_000, 5_000), -2))
    perp.background(rng, day0, at("2026-01-07T09:30"), traders, makers, gap_s=(30, 90), qty=(100, 1_500), lot=10)

    def margin(who: str) -> float:
        lev = dict(longs)[who]
        size, entry = perp.position(who, at("2026-01-07T09:00"))
        return round(entry * size / lev, 2)

    snaps = [perp.snapshot(at("2026-01-07T09:15:30"), who, margin(who), mark, _CI_MMR) for who, _ in longs]
    liq_price = {row["account_id"]: row["liq_price"] for row in snaps}
    liquidations = []
    for k, who in enumerate(sorted((w for w, _ in longs if mark(_CI_BAD[0]) <= liq_price[w]),
                                   key=lambda w: (-liq_price[w], w))):
        ts = _CI_BAD[0] + timedelta(seconds=15 + 10 * k)
        size, entry = perp.position(who, ts)
        fill = round(mark(ts) * 0.997, 4)
        perp.fill(ts, who, makers[k % 2], "sell", fill, size, liquidation=True)
        liquidations.append(liquidation(f"{prefix}-LQ{k + 1:03d}", ts, who, perp_symbol, "long", size, mark(ts),
                                        entry - margin(who) / size, fill, "orderbook"))
    perp.background(rng, at("2026-01-07T09:31"), day1, traders, makers, gap_s=(30, 90), qty=(100, 1_500), lot=10)
    accounts = [*(account(m, "2024-01-01T00:00", country="GB", kyc_level=3, market_maker=True) for m in makers),
                *(account(who, "2025-02-01T00:00") for who in traders),
                *(account(who, "2025-06-01T00:00", country="ES") for who, _ in longs)]
    return spot_and_perp_rows(spot, perp, base=f"{prefix}X", listed="2025-01-01T00:00",
                              perp_limits=(25, _CI_MMR, 30_000_000), accounts=accounts, snapshots=snaps,
                              liquidations=liquidations, spot_bars=spot.bars(day0, day1, lambda t: 700_000.0),
                              perp_bars=perp.bars(day0, day1, lambda t: 900_000.0, index=index, mark=mark,
                                                  funding=0.0001),
                              index_components=index_rows(perp_symbol, day0, day1, sources))


def _corrupted_index_source() -> Rows:
    return _index_follows_source("CI", CI_PERP, CI_SPOT, 0.4, [20, 20, 25, 20, 5, 4])


def _thin_source_glitch() -> Rows:
    return _index_follows_source("GL", GL_PERP, GL_SPOT, 0.04, [20, 20, 25, 20, 5, 4])


CASES: tuple[Case, ...] = (
    Case(
        name="flash_crash",
        typology="flash-crash",
        benign=False,
        summary=("At 14:01 on 2026-01-06 one 36k FCX market sell sweeps this venue's FCXUSDT spot book from 9.98 to "
                 "6.90; the FCXUSDT-PERP index, 40% weighted on that book, drops to 8.64 until the source is "
                 "excluded at 14:02-14:04, the perp prints 6.90 (29% under the index) and 36 longs are liquidated in "
                 "one minute, 30 of which the external-venue index (9.80) would not have liquidated."),
        subjects={"symbol": FC_PERP},
        window=("2026-01-06T13:30:00Z", "2026-01-06T14:30:00Z"),
        rows=_flash_crash,
    ),
    Case(
        name="volatile_but_healthy",
        typology="flash-crash",
        benign=True,
        summary=("VHXUSDT-PERP falls 12% in ten minutes from 16:00 on 2026-01-05 on every index source at once; the "
                 "perp trades within about 1% of the index, the mark within 0.05%, and four 20-25x longs are "
                 "liquidated near their bankruptcy prices."),
        subjects={"symbol": VH_PERP},
        window=("2026-01-05T15:30:00Z", "2026-01-05T16:30:00Z"),
        rows=_volatile_but_healthy,
    ),
    Case(
        name="corrupted_index_source",
        typology="flash-crash",
        benign=False,
        summary=("From 09:30 to 09:41 on 2026-01-07 one constituent of the CIXUSDT-PERP index (weight 40%) prints "
                 "15% below its two peers and this venue's own spot trades, and the index engine never excludes "
                 "it: the index and the mark fall 6%, the perp trades with them (last and mark stay within 1% of "
                 "the index) and four 20-25x longs are liquidated that the peers' price would have kept open."),
        subjects={"symbol": CI_PERP},
        window=("2026-01-07T09:00:00Z", "2026-01-07T10:00:00Z"),
        rows=_corrupted_index_source,
    ),
    Case(
        name="thin_source_glitch",
        typology="flash-crash",
        benign=True,
        summary=("The same broken constituent on GLXUSDT-PERP carries 4% of the index: the index moves 0.6%, "
                 "nobody is liquidated, and the feed needs a repair, not an incident response."),
        subjects={"symbol": GL_PERP},
        window=("2026-01-07T09:00:00Z", "2026-01-07T10:00:00Z"),
        rows=_thin_source_glitch,
    ),
)
