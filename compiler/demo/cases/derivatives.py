"""Demo-data cases: derivatives (insurance-fund attack, concentrated open interest)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from compiler.demo.catalog import Case, Rows
from compiler.demo.market import Market
from compiler.demo.rows import (
    PriceFn,
    account,
    at,
    index_rows,
    instrument,
    link,
    liquidation,
    minutes,
    path,
    transfer,
    weighted_index,
)

# liquidation_attack ------------------------------------------------------------------------------------

LA_SYMBOL = "LAXUSDT-PERP"
LA_DAY = (at("2026-01-05T00:00"), at("2026-01-06T00:00"))
_LA_FAIR = path([("2026-01-05T00:00", 0.50), ("2026-01-05T13:30", 0.50), ("2026-01-05T13:33", 0.548),
                 ("2026-01-05T13:35", 0.60), ("2026-01-05T13:45", 0.62), ("2026-01-05T14:30", 0.525),
                 ("2026-01-05T16:00", 0.51), ("2026-01-06T00:00", 0.505)])
_LA_SOURCES: list[tuple[str, float, PriceFn]] = [
    ("ext_a:LAX-USDT", 0.4, _LA_FAIR),
    ("ext_b:LAX-USDT", 0.4, lambda m: _LA_FAIR(m) * 0.999),
    ("ext_c:LAX-USDT", 0.2, lambda m: _LA_FAIR(m) * (1.03 if at("2026-01-05T13:31") <= m <= at("2026-01-05T13:50")
                                                     else 1.0)),
]
_LA_INDEX = weighted_index(_LA_SOURCES)


def _la_mark(moment: datetime) -> float:
    return _LA_INDEX(moment) * 1.0005


def _liquidation_attack() -> Rows:
    rng = random.Random(5101)
    day0, day1 = LA_DAY
    m = Market("LA-", LA_SYMBOL, _LA_FAIR, perp=True, spread=0.002)
    retail = [f"LA-R{i}" for i in range(1, 7)]
    # Background book: the market maker and six retail traders; opening positions just after midnight.
    for i, who in enumerate(retail):
        m.fill(at("2026-01-05T00:05") + timedelta(minutes=5 * i), who, "LA-MM1", "buy", 0.5005, 100_000)
    m.background(rng, at("2026-01-05T00:45"), day1, retail, ["LA-MM1", *retail],
                 gap_s=(120, 360), qty=(2_000, 20_000), lot=1_000)
    # 10:00-10:30 the short (LA-1) is built almost entirely against its linked account's bids (LA-2).
    for i, qty in enumerate((1_000_000, 1_000_000, 1_000_000, 800_000)):
        ts = at("2026-01-05T10:00:00") + timedelta(minutes=8 * i)
        bid = m.order("LA-2", "buy", ts - timedelta(seconds=4), 0.50, qty, stp_mode=None)
        m.fill(ts, "LA-1", "LA-2", "sell", 0.50, qty, maker_order=bid)
    m.fill(at("2026-01-05T10:31:00"), "LA-1", "LA-MM1", "sell", 0.50, 200_000)
    # 13:30-13:35 LA-3, funded by LA-1, lifts the thin book while the index sources move up off-venue.
    for i in range(16):
        ts = at("2026-01-05T13:30:05") + timedelta(seconds=19 * i)
        m.fill(ts, "LA-3", "LA-MM1" if i % 3 else retail[i % 6], "buy", round(0.505 + 0.0065 * i, 4), 50_000)
    # 13:33 LA-1 is liquidated: 1M through the book into LA-2's ask, 3M taken over by the backstop vault.
    ask = m.order("LA-2", "sell", at("2026-01-05T13:32:40"), 0.58, 1_000_000, stp_mode=None)
    liq1 = at("2026-01-05T13:33:20")
    m.fill(liq1, "LA-1", "LA-2", "buy", 0.58, 1_000_000, liquidation=True, maker_order=ask)
    liq2 = at("2026-01-05T13:33:50")
    m.fill(liq2, "LA-1", "LA-BV", "buy", 0.55, 3_000_000, liquidation=True)
    # 13:36-13:44 the vault unwinds by buying from LA-2 and LA-3 at the pushed price.
    for i in range(7):
        m.fill(at("2026-01-05T13:36:00") + timedelta(minutes=i), "LA-2", "LA-BV", "sell", 0.6225, 400_000)
    m.fill(at("2026-01-05T13:44:00"), "LA-3", "LA-BV", "sell", 0.635, 200_000)
    # 13:50-14:30 LA-3 sells the rest into the market maker as the price decays.
    for i in range(12):
        m.fill(at("2026-01-05T13:50:00") + timedelta(minutes=3 * i), "LA-3", "LA-MM1", "sell",
               round(_LA_FAIR(at("2026-01-05T13:50:00") + timedelta(minutes=3 * i)) * 0.999, 4), 50_000)

    # Isolated margin per account; LA-1 withdrew 150k of its 350k at 13:10.
    margins = {"LA-1": 350_000.0, "LA-2": 250_000.0, "LA-3": 100_000.0, "LA-MM1": 400_000.0, "LA-BV": 2_000_000.0}
    snapshots = []
    for minute in minutes(at("2026-01-05T10:40"), at("2026-01-05T15:10")):
        if minute.minute % 10 == 0:
            for who, margin in margins.items():
                ts = minute + timedelta(seconds=30)
                if who == "LA-1" and ts >= at("2026-01-05T13:10"):
                    margin = 200_000.0
                if m.position(who, ts)[0] != 0:
                    snapshots.append(m.snapshot(ts, who, margin, _la_mark, 0.025))
    liquidations = [
        liquidation("LA-LQ1", liq1, "LA-1", LA_SYMBOL, "short", 1_000_000, 0.548, 0.55, 0.58, "orderbook"),
        # The vault took 3M at bankruptcy (0.55) and bought it back at 0.6225 (2.8M) and 0.635 (0.2M).
        liquidation("LA-LQ2", liq2, "LA-1", LA_SYMBOL, "short", 3_000_000, 0.552, 0.55,
                    (2_800_000 * 0.6225 + 200_000 * 0.635) / 3_000_000, "backstop"),
    ]
    accounts = [account("LA-1", "2025-12-28T09:00"), account("LA-2", "2025-12-29T10:00"),
                account("LA-3", "2026-01-02T16:00", country="MY"),
                account("LA-MM1", "2024-03-01T00:00", country="GB", kyc_level=3, market_maker=True),
                account("LA-BV", "2024-01-01T00:00", country="SC", kyc_level=3, user_id="U-EXCHANGE-BACKSTOP"),
                *(account(who, "2025-05-01T00:00", country=c)
                  for who, c in zip(retail, ["DE", "FR", "GB", "BR", "JP", "KR"], strict=True))]
    src = "0x5e11a0c0ffee000000000000000000000000a11a"
    links = [link("LA-1", "device_id", "LA-dev-7f3e", "2025-12-28T09:00"),
             link("LA-2", "device_id", "LA-dev-7f3e", "2025-12-29T10:00"),
             link("LA-1", "deposit_source_address", src, "2026-01-05T08:00"),
             link("LA-2", "deposit_source_address", src, "2026-01-05T08:05"),
             link("LA-1", "ip", "100.64.12.7", "2025-12-28T09:00"),
             link("LA-R3", "ip", "100.64.12.7", "2025-05-01T00:00")]
    transfers = [
        transfer("LA-X1", "2026-01-05T08:00", "LA-1", "deposit", 450_000, address=src, chain="ETH"),
        transfer("LA-X2", "2026-01-05T08:05", "LA-2", "deposit", 250_000, address=src, chain="ETH"),
        transfer("LA-X3", "2026-01-05T09:00", "LA-1", "internal_out", 100_000, counterparty="LA-3"),
        transfer("LA-X4", "2026-01-05T09:00", "LA-3", "internal_in", 100_000, counterparty="LA-1"),
        transfer("LA-X5", "2026-01-05T13:10", "LA-1", "withdrawal", 150_000, address=src, chain="ETH"),
        transfer("LA-X6", "2026-01-05T14:20", "LA-2", "withdrawal", 450_000,
                 address="0x9b7cdeadbeef00000000000000000000000b0b02", chain="ETH"),
        transfer("LA-X7", "2026-01-05T15:05", "LA-3", "withdrawal", 80_000,
                 address="TLa3exampleTronAddr00000000000003", chain="TRON"),
    ]
    return {
        "accounts": accounts, "identity_links": links, "transfers": transfers,
        "instruments": [instrument(LA_SYMBOL, perp=True, base="LAX", max_leverage=20, maint_margin_rate=0.025,
                                   oi_cap_usd=5_000_000, listed="2025-11-20T00:00")],
        "orders": m.order_rows(), "trades": m.trades, "position_snapshots": snapshots, "liquidations": liquidations,
        "market_bars_1m": m.bars(day0, day1, lambda t: 40_000.0 if t < at("2026-01-05T13:30") else 25_000.0,
                                 index=_LA_INDEX, mark=_la_mark, funding=0.0001),
        "index_components": index_rows(LA_SYMBOL, at("2026-01-05T13:00"), at("2026-01-05T15:00"), _LA_SOURCES),
    }


# ordinary_liquidation ----------------------------------------------------------------------------------

OL_SYMBOL = "OLXUSDT-PERP"
# A market-wide 7% drop in two minutes at 12:13, which the index and the mark follow.
_OL_FAIR = path([("2026-01-05T00:00", 2.00), ("2026-01-05T12:13", 2.00), ("2026-01-05T12:15", 1.86),
                 ("2026-01-05T15:00", 1.87), ("2026-01-06T00:00", 1.875)])


def _ol_mark(moment: datetime) -> float:
    return _OL_FAIR(moment) * 1.0002


def _ordinary_liquidation() -> Rows:
    rng = random.Random(5102)
    day0, day1 = LA_DAY
    m = Market("OL-", OL_SYMBOL, _OL_FAIR, perp=True, spread=0.0006)
    traders = [f"OL-R{i}" for i in range(1, 9)]
    for i, who in enumerate(traders):
        m.fill(at("2026-01-05T00:02") + timedelta(minutes=3 * i), who, "OL-MM1", "buy" if i % 2 else "sell",
               2.0, 150_000)
    m.background(rng, at("2026-01-05T00:30"), day1, traders, ["OL-MM1", "OL-MM2", *traders],
                 gap_s=(90, 300), qty=(5_000, 60_000), lot=500)
    # 09:00 OL-1 goes long 50k at 2.00 from three unrelated makers, 16.7x on 6k of margin.
    for i, (maker, qty) in enumerate((("OL-MM1", 20_000), ("OL-R2", 15_000), ("OL-MM2", 15_000))):
        m.fill(at("2026-01-05T09:00:00") + timedelta(seconds=40 * i), "OL-1", maker, "buy", 2.0, qty)
    # 12:14 the mark falls through its liquidation price (1.9184): 20k fills above bankruptcy (1.88),
    # the last 30k 28 seconds later just below it as the market gaps down.
    liq1, liq2 = at("2026-01-05T12:14:12"), at("2026-01-05T12:14:40")
    m.fill(liq1, "OL-1", "OL-MM1", "sell", 1.913, 20_000, liquidation=True)
    m.fill(liq2, "OL-1", "OL-MM2", "sell", 1.872, 30_000, liquidation=True)
    snapshots = [m.snapshot(t + timedelta(seconds=30), "OL-1", 6_000.0, _ol_mark, 0.02)
                 for t in minutes(at("2026-01-05T09:10"), at("2026-01-05T12:14")) if t.minute % 10 == 0]
    liquidations = [
        liquidation("OL-LQ1", liq1, "OL-1", OL_SYMBOL, "long", 20_000, 1.9176, 1.88, 1.913, "orderbook"),
        liquidation("OL-LQ2", liq2, "OL-1", OL_SYMBOL, "long", 30_000, 1.8837, 1.88, 1.872, "orderbook"),
    ]
    accounts = [account("OL-1", "2024-09-14T00:00", country="DE"),
                account("OL-MM1", "2024-01-01T00:00", country="GB", kyc_level=3, market_maker=True),
                account("OL-MM2", "2024-02-01T00:00", country="NL", kyc_level=3, market_maker=True),
                *(account(who, "2025-03-01T00:00") for who in traders)]
    return {
        "accounts": accounts,
        "transfers": [transfer("OL-X1", "2026-01-05T08:50", "OL-1", "deposit", 6_000,
                               address="0x01aa00000000000000000000000000000000beef", chain="ARB")],
        "instruments": [instrument(OL_SYMBOL, perp=True, base="OLX", max_leverage=50, maint_margin_rate=0.02,
                                   oi_cap_usd=50_000_000, listed="2024-06-01T00:00")],
        "orders": m.order_rows(), "trades": m.trades, "position_snapshots": snapshots, "liquidations": liquidations,
        "market_bars_1m": m.bars(day0, day1, lambda t: 400_000.0, index=_OL_FAIR, mark=_ol_mark,
                                 funding=0.00005),
    }


# concentrated_oi ---------------------------------------------------------------------------------------

OI_SYMBOL = "OIXUSDT-PERP"
_OI_FAIR = path([("2026-01-05T00:00", 1.20), ("2026-01-05T12:00", 1.21), ("2026-01-06T00:00", 1.205)])


def _oi_mark(moment: datetime) -> float:
    return _OI_FAIR(moment) * 1.0003


def _concentrated_oi() -> Rows:
    rng = random.Random(5103)
    day0, day1 = LA_DAY
    m = Market("OI-", OI_SYMBOL, _OI_FAIR, perp=True, spread=0.002)
    retail = [f"OI-R{i}" for i in range(1, 7)]
    for i, who in enumerate(retail):
        m.fill(at("2026-01-05T00:04") + timedelta(minutes=4 * i), who, "OI-MM1", "buy", 1.2, 120_000)
    m.background(rng, at("2026-01-05T00:40"), day1, retail, ["OI-MM1", *retail],
                 gap_s=(150, 420), qty=(1_000, 8_000), lot=500)
    # 09:00-10:45 OI-1 builds a 500k long; 350k of it is lifted from OI-2's offers seconds after they rest.
    for i in range(7):
        ts = at("2026-01-05T09:00:00") + timedelta(minutes=15 * i)
        ask = m.order("OI-2", "sell", ts - timedelta(seconds=3), 1.2, 50_000, stp_mode=None)
        m.fill(ts, "OI-1", "OI-2", "buy", 1.2, 50_000, maker_order=ask)
    for i in range(6):
        ts = at("2026-01-05T09:07:00") + timedelta(minutes=15 * i)
        m.fill(ts, "OI-1", "OI-MM1" if i % 2 else retail[i], "buy", 1.201, 25_000)
    # OI-2 adds 25k more short against the market maker's bid.
    m.fill(at("2026-01-05T11:00:00"), "OI-2", "OI-MM1", "sell", 1.2, 25_000)
    margins = {"OI-1": 60_000.0, "OI-2": 45_000.0, "OI-MM1": 300_000.0}
    snapshots = [m.snapshot(t + timedelta(seconds=30), who, margin, _oi_mark, 0.02)
                 for t in minutes(at("2026-01-05T09:15"), day1) if t.minute % 15 == 0
                 for who, margin in margins.items() if m.position(who, t + timedelta(seconds=30))[0] != 0]
    accounts = [account("OI-1", "2025-12-20T00:00", country="VN"), account("OI-2", "2025-12-21T00:00", country="VN"),
                account("OI-MM1", "2024-03-01T00:00", country="GB", kyc_level=3, market_maker=True),
                *(account(who, "2025-04-01T00:00") for who in retail)]
    links = [link("OI-1", "device_id", "OI-dev-a41c", "2025-12-20T00:00"),
             link("OI-2", "device_id", "OI-dev-a41c", "2025-12-21T00:00"),
             link("OI-1", "bank_account", "OI-iban-hash-77e2", "2025-12-20T00:00"),
             link("OI-2", "bank_account", "OI-iban-hash-77e2", "2025-12-21T00:00")]
    return {
        "accounts": accounts, "identity_links": links,
        "transfers": [
            transfer("OI-X1", "2026-01-05T08:30", "OI-1", "deposit", 60_000,
                     address="0x4f1a00000000000000000000000000000000c0d1", chain="ETH"),
            transfer("OI-X2", "2026-01-05T08:40", "OI-2", "deposit", 45_000,
                     address="0x4f1a00000000000000000000000000000000c0d2", chain="ETH"),
        ],
        "instruments": [instrument(OI_SYMBOL, perp=True, base="OIX", max_leverage=20, maint_margin_rate=0.02,
                                   oi_cap_usd=2_000_000, listed="2025-12-01T00:00")],
        "orders": m.order_rows(), "trades": m.trades, "position_snapshots": snapshots,
        "market_bars_1m": m.bars(day0, day1, lambda t: 30_000.0, index=_OI_FAIR, mark=_oi_mark, funding=0.0002),
    }


# diversified_oi ----------------------------------------------------------------------------------------

DO_SYMBOL = "DOXUSDT-PERP"
_DO_FAIR = path([("2026-01-05T00:00", 5.00), ("2026-01-05T14:00", 5.06), ("2026-01-06T00:00", 5.03)])


def _do_mark(moment: datetime) -> float:
    return _DO_FAIR(moment) * 1.0001


def _diversified_oi() -> Rows:
    rng = random.Random(5104)
    day0, day1 = LA_DAY
    m = Market("DO-", DO_SYMBOL, _DO_FAIR, perp=True, spread=0.0004)
    traders = [f"DO-R{i:02d}" for i in range(1, 21)]
    for i, who in enumerate(traders):
        m.fill(at("2026-01-05T00:03") + timedelta(minutes=2 * i), who, "DO-MM1" if i % 2 else "DO-MM2", "buy",
               5.0, 17_000)
    m.background(rng, at("2026-01-05T00:50"), day1, traders, ["DO-MM1", "DO-MM2", *traders],
                 gap_s=(60, 180), qty=(1_000, 4_000), lot=10)
    # 10:00-12:45 DO-1 buys 60k in twelve clips from twelve different counterparties.
    for i in range(12):
        maker = ("DO-MM1", "DO-MM2")[i % 2] if i < 4 else traders[i + 3]
        m.fill(at("2026-01-05T10:00:00") + timedelta(minutes=15 * i), "DO-1", maker, "buy",
               round(_DO_FAIR(at("2026-01-05T10:00") + timedelta(minutes=15 * i)) * 1.0002, 4), 5_000)
    snapshots = [m.snapshot(t + timedelta(seconds=30), "DO-1", 60_000.0, _do_mark, 0.01)
                 for t in minutes(at("2026-01-05T10:15"), day1) if t.minute % 15 == 0]
    accounts = [account("DO-1", "2023-11-02T00:00", country="CH", kyc_level=3),
                account("DO-MM1", "2024-01-01T00:00", country="GB", kyc_level=3, market_maker=True),
                account("DO-MM2", "2024-02-01T00:00", country="US", kyc_level=3, market_maker=True),
                *(account(who, "2025-02-01T00:00") for who in traders)]
    return {
        "accounts": accounts,
        "instruments": [instrument(DO_SYMBOL, perp=True, base="DOX", max_leverage=25, maint_margin_rate=0.01,
                                   oi_cap_usd=10_000_000, listed="2025-01-15T00:00")],
        "orders": m.order_rows(), "trades": m.trades, "position_snapshots": snapshots,
        "market_bars_1m": m.bars(day0, day1, lambda t: 250_000.0, index=_DO_FAIR, mark=_do_mark, funding=0.0001),
    }


CASES: tuple[Case, ...] = (
    Case(
        name="liquidation_attack",
        typology="liquidation-attack",
        benign=False,
        summary=("LA-1 built a $2.0M short in the thin LAXUSDT-PERP, 95% of it against linked LA-2 (same device and "
                 "deposit address), and withdrew $150k of margin at 13:10 on 2026-01-05; from 13:30 LA-3 (funded by "
                 "LA-1) lifted the book, LA-1 was liquidated at 13:33, the insurance fund lost $250k and LA-2 withdrew "
                 "$450k."),
        subjects={"account_id": "LA-1", "symbol": LA_SYMBOL},
        window=("2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z"),
        rows=_liquidation_attack,
    ),
    Case(
        name="ordinary_liquidation",
        typology="liquidation-attack",
        benign=True,
        summary=("OL-1's $100k long in OLXUSDT-PERP (16.7x) was liquidated through the book at 12:14 as the market "
                 "fell 7% in two minutes with its index; the fund gained $660 on one fill and paid $240 on the other."),
        subjects={"account_id": "OL-1", "symbol": OL_SYMBOL},
        window=("2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z"),
        rows=_ordinary_liquidation,
    ),
    Case(
        name="concentrated_oi",
        typology="concentrated-open-interest",
        benign=False,
        summary=("OI-1 holds a 500k OIX long (about $0.6M, over a third of OIXUSDT-PERP open interest and 20x the 2% "
                 "depth), 350k of it bought from linked OI-2 (same device and bank account), which holds a 375k "
                 "short."),
        subjects={"account_id": "OI-1", "symbol": OI_SYMBOL},
        window=("2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z"),
        rows=_concentrated_oi,
    ),
    Case(
        name="diversified_oi",
        typology="concentrated-open-interest",
        benign=True,
        summary=("DO-1 holds a 60k DOX long (about $0.3M, under a fifth of DOXUSDT-PERP open interest, 1.2x the 2% "
                 "depth) bought in twelve clips from twelve unrelated counterparties."),
        subjects={"account_id": "DO-1", "symbol": DO_SYMBOL},
        window=("2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z"),
        rows=_diversified_oi,
    ),
)
