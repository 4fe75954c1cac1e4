"""Demo-data cases: rings without an identity link that give themselves away by acting in step.

pump_ring_in_rhythm: four accounts with no shared identifier and no shared
funding are driven by one bot. Each joins the accumulation a round later and
sells into the pump minutes apart from the others, so neither the same
minutes of first buy and first sale nor a link groups them; what groups them
is that their orders keep arriving in the same seconds.
"""

from __future__ import annotations

import random
from datetime import timedelta

from compiler.demo.catalog import Case, Rows
from compiler.demo.market import Market
from compiler.demo.rows import account, at, instrument, path, transfer

ZAP = "ZAPUSDT"
_DAY = (at("2026-01-06T10:00"), at("2026-01-07T12:00"))
_SPIKE = at("2026-01-07T10:00")
_FAIR = path([("2026-01-06T10:00", 0.2000), ("2026-01-07T09:59", 0.2000), ("2026-01-07T10:06", 0.2800),
              ("2026-01-07T10:20", 0.2500), ("2026-01-07T12:00", 0.2300)])
RING = ("RZ-1", "RZ-2", "RZ-3", "RZ-4")


def _pump_ring_in_rhythm() -> Rows:
    """RZ-1..4 pre-buy $2,520 each in bot rounds (the same seconds), then sell into a +40% pump minutes apart."""
    rng = random.Random(7301)
    spot = Market("RZ-", ZAP, _FAIR, perp=False, spread=0.002)
    makers, traders = ["RZ-MM1", "RZ-MM2"], [f"RZ-T{i}" for i in range(1, 7)]
    holders = ["RZ-H1", "RZ-H2"]
    followers = [f"RZ-F{i:02d}" for i in range(1, 21)]
    spot.background(rng, _DAY[0], _SPIKE - timedelta(minutes=70), traders, makers, gap_s=(600, 1500),
                    qty=(500, 2_500), lot=10)
    # 09:05-09:47 eight bot rounds, one every six minutes; RZ-n joins at round n. In a round each account's
    # buy comes one second after the previous one's, against a holder's resting ask.
    for round_ in range(8):
        start = at("2026-01-07T09:05") + timedelta(minutes=6 * round_)
        for k, who in enumerate(RING[:round_ + 1]):
            spot.fill(start + timedelta(seconds=k), who, holders[(round_ + k) % 2], "buy", 0.2000,
                      12_600 / (8 - RING.index(who)))
    # 10:00-10:10 followers' market buys lift the price to 0.28; each ring account sells 80% of its coins
    # into them, three minutes after the one before.
    for k, who in enumerate(RING):
        held = sum(t["qty"] for t in spot.trades if t["taker_account_id"] == who)
        moment = _SPIKE + timedelta(minutes=1 + 3 * k)
        for part in range(4):
            spot.fill(moment + timedelta(seconds=20 * part), rng.choice(followers), who, "buy",
                      round(0.2400 + 0.0100 * k + 0.0020 * part, 4), round(held * 0.2, 2))
    moment = _SPIKE + timedelta(seconds=10)
    while moment < _SPIKE + timedelta(minutes=14):
        spot.fill(moment, rng.choice(followers), rng.choice(holders), "buy", round(_FAIR(moment), 4),
                  round(rng.uniform(2_000, 6_000), -1))
        moment += timedelta(seconds=rng.randint(15, 40))
    spot.background(rng, _SPIKE + timedelta(minutes=20), _DAY[1], traders + followers, makers + holders,
                    gap_s=(120, 400), qty=(500, 3_000), lot=10)
    accounts = [*(account(m, "2024-03-01T00:00", country="GB", kyc_level=3, market_maker=True) for m in makers),
                *(account(who, "2025-03-01T00:00") for who in traders + holders),
                *(account(who, "2025-10-01T00:00", country="BR", kyc_level=1) for who in followers),
                *(account(who, f"2025-12-{10 + 4 * i}T12:00", country=c, kyc_level=1)
                  for i, (who, c) in enumerate(zip(RING, ("PH", "VN", "ID", "TH"), strict=True)))]
    # Each ring account is funded from its own address: no shared source.
    funding = [transfer(f"RZ-X{i + 1}", f"2026-01-0{3 + i}T08:00", who, "deposit", 3_000.0,
                        address=f"TRZ{i + 1}source", chain="TRON") for i, who in enumerate(RING)]
    return {
        "instruments": [instrument(ZAP, perp=False, base="ZAP", listed="2025-07-01T00:00")],
        "accounts": accounts, "transfers": funding, "orders": spot.order_rows(), "trades": spot.trades,
        "market_bars_1m": spot.bars(_DAY[0], _DAY[1], lambda t: 3_000.0),
    }


CASES: tuple[Case, ...] = (
    Case(
        name="pump_ring_in_rhythm", typology="pump-and-dump", benign=False,
        summary=("RZ-1..RZ-4 (no shared identifier, each funded from its own address) pre-buy $2,520 of ZAP each "
                 "between 09:05 and 09:47 on 2026-01-07 in eight bot rounds, their orders one second apart; "
                 "each joins a round later than the one before and each sells 80% into the 10:00 pump three "
                 "minutes after the previous one, so only the rhythm of their orders groups them ($10,080 together)."),
        subjects={"symbol": ZAP}, window=("2026-01-07T09:00:00Z", "2026-01-07T11:00:00Z"),
        rows=_pump_ring_in_rhythm,
    ),
)
