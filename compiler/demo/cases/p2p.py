"""Demo-data cases: P2P fiat market (third-party payment, money mule) and their benign look-alikes.

Every id a case adds carries the case's prefix: TP- (third-party payment),
OA- (own-account payment), MU- (money mule), MC- (merchant). P2P prices are
euro or pound per USDT with the usual small P2P premium; USDT is valued at
1 USD in transfers.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from compiler.demo.catalog import Case, Rows

Row = dict[str, Any]

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _ts(value: datetime) -> str:
    """ISO 8601 UTC text, as DuckDB reads it into TIMESTAMP."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _at(text: str) -> datetime:
    """A naive UTC datetime from 'YYYY-MM-DD HH:MM'."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M")


def _account(account_id: str, created: str, kyc_level: int, country: str, status: str = "active") -> Row:
    return {"account_id": account_id, "user_id": "U-" + account_id, "parent_account_id": None,
            "created_at": _ts(_at(created)), "kyc_level": kyc_level, "country": country, "status": status,
            "is_market_maker": False, "referrer_account_id": None}


def _tx_hash(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(64))


def _tron_address(rng: random.Random) -> str:
    return "T" + "".join(rng.choice(_BASE58) for _ in range(33))


def _p2p_order(order_id: str, buyer: str, seller: str, usdt: float, price: float, currency: str, method: str,
               created: datetime, paid_after_min: float | None, released_after_min: float | None,
               payer_matches: bool | None, payer_hash: str | None, status: str = "completed") -> Row:
    paid = created + timedelta(minutes=paid_after_min) if paid_after_min is not None else None
    released = paid + timedelta(minutes=released_after_min) if paid is not None and released_after_min is not None \
        else None
    return {"p2p_order_id": order_id, "ad_id": order_id.split("-")[0] + "-AD-" + seller.split("-")[1],
            "buyer_account_id": buyer, "seller_account_id": seller, "asset": "USDT", "crypto_amount": usdt,
            "fiat_currency": currency, "fiat_amount": round(usdt * price, 2), "payment_method": method,
            "created_ts": _ts(created), "marked_paid_ts": _ts(paid) if paid else None,
            "released_ts": _ts(released) if released else None, "status": status,
            "payer_name_matches_kyc": payer_matches, "payer_account_hash": payer_hash}


def _withdrawal(transfer_id: str, ts: datetime, account: str, usdt: float, chain: str, address: str, kyt: str,
                rng: random.Random, kind: str = "withdrawal") -> Row:
    return {"transfer_id": transfer_id, "ts": _ts(ts), "account_id": account, "kind": kind, "asset": "USDT",
            "amount": usdt, "amount_usd": usdt, "counterparty_account_id": None, "chain": chain,
            "address": address, "tx_hash": _tx_hash(rng), "kyt_risk": kyt}


# --- third-party payment (TP-) ---------------------------------------------------------------------------


def _third_party_payment() -> Rows:
    """An 18-day-old buyer pays a seller from a scam victim's account; the seller's bank freezes the funds."""
    rng = random.Random(5101)
    accounts = [
        _account("TP-B1", "2025-12-18 20:41", 1, "GB"),
        _account("TP-B2", "2025-12-20 21:15", 1, "GB"),
        _account("TP-S1", "2023-09-01 10:00", 2, "GB"),
        _account("TP-S2", "2024-02-11 09:30", 2, "GB"),
        _account("TP-S3", "2022-07-19 16:05", 2, "GB"),
        _account("TP-S4", "2024-10-03 12:44", 2, "GB"),
    ]
    gbp = 0.802  # GBP per USDT, with the P2P premium
    orders = [
        # A first small order paid from the buyer's own account.
        _p2p_order("TP-P0001", "TP-B1", "TP-S2", 400, gbp, "GBP", "faster_payments", _at("2026-01-05 07:40"),
                   4, 9, True, "TP-PAH-OWN1"),
        # Paid by a stranger: the first victim.
        _p2p_order("TP-P0002", "TP-B1", "TP-S3", 650, gbp, "GBP", "faster_payments", _at("2026-01-05 08:55"),
                   6, 11, False, "TP-PAH-V1"),
        # The alerted order: 2,500 USDT paid by a second victim (authorised push-payment scam).
        _p2p_order("TP-P0003", "TP-B1", "TP-S1", 2500, gbp, "GBP", "faster_payments", _at("2026-01-05 10:00"),
                   7, 17, False, "TP-PAH-V2"),
        # A second account on the buyer's device, paid from the same victim's account the same day.
        _p2p_order("TP-P0004", "TP-B2", "TP-S4", 1200, gbp, "GBP", "faster_payments", _at("2026-01-05 13:05"),
                   5, 12, False, "TP-PAH-V2"),
    ]
    appeals = [
        {"appeal_id": "TP-A0001", "p2p_order_id": "TP-P0003", "opened_by": "TP-S1",
         "opened_ts": "2026-01-06T11:20:00Z", "reason": "bank_freeze", "outcome": None, "resolved_ts": None},
    ]
    address = "TXq7PZr3mV9kD2wHcN5sLb8uYf4eGjR1aT"
    transfers = [
        _withdrawal("TP-W0001", _at("2026-01-05 09:30"), "TP-B1", 600, "TRON", address, "high", rng),
        _withdrawal("TP-W0002", _at("2026-01-05 10:41"), "TP-B1", 2450, "TRON", address, "high", rng),
        _withdrawal("TP-W0003", _at("2026-01-05 13:39"), "TP-B2", 1180, "TRON", address, "high", rng),
    ]
    identity_links = [
        {"account_id": "TP-B1", "link_type": "device_id", "link_value": "TP-DEV-A91F",
         "first_seen": "2025-12-18T20:41:00Z", "last_seen": "2026-01-05T10:40:00Z"},
        {"account_id": "TP-B2", "link_type": "device_id", "link_value": "TP-DEV-A91F",
         "first_seen": "2025-12-20T21:15:00Z", "last_seen": "2026-01-05T13:38:00Z"},
        {"account_id": "TP-B1", "link_type": "payout_address", "link_value": address,
         "first_seen": "2026-01-05T09:28:00Z", "last_seen": "2026-01-05T10:41:00Z"},
        {"account_id": "TP-B2", "link_type": "payout_address", "link_value": address,
         "first_seen": "2026-01-05T13:37:00Z", "last_seen": "2026-01-05T13:39:00Z"},
    ]
    security_events = [
        {"account_id": "TP-B1", "ts": "2026-01-05T07:35:00Z", "event_type": "login", "ip": "TP-IP-82.132.0.17",
         "device_id": "TP-DEV-A91F", "geo_country": "GB"},
        {"account_id": "TP-B1", "ts": "2026-01-05T09:28:00Z", "event_type": "withdraw_addr_add",
         "ip": "TP-IP-82.132.0.17", "device_id": "TP-DEV-A91F", "geo_country": "GB"},
        {"account_id": "TP-B2", "ts": "2026-01-05T13:00:00Z", "event_type": "login", "ip": "TP-IP-82.132.0.17",
         "device_id": "TP-DEV-A91F", "geo_country": "GB"},
    ]
    return {"accounts": accounts, "p2p_orders": orders, "p2p_appeals": appeals, "transfers": transfers,
            "identity_links": identity_links, "security_events": security_events}


# --- own-account payment (OA-), benign ------------------------------------------------------------------------


def _own_account_payment() -> Rows:
    """A long-standing buyer pays by ordinary SEPA transfer from their own account; the seller appeals too early."""
    accounts = [
        _account("OA-B1", "2024-06-11 18:22", 2, "FR"),
        _account("OA-S1", "2022-11-02 08:10", 2, "FR"),
        _account("OA-S2", "2023-04-27 14:31", 2, "BE"),
    ]
    eur = 0.935
    orders = [
        _p2p_order("OA-P0000", "OA-B1", "OA-S2", 250, eur, "EUR", "sepa_instant", _at("2026-01-05 18:30"),
                   3, 6, True, "OA-PAH-1"),
        # Standard (not instant) SEPA credit transfer: the money lands about four hours later.
        _p2p_order("OA-P0001", "OA-B1", "OA-S1", 800, eur, "EUR", "sepa_transfer", _at("2026-01-06 09:02"),
                   6, 273, True, "OA-PAH-1"),
    ]
    appeals = [
        {"appeal_id": "OA-A0001", "p2p_order_id": "OA-P0001", "opened_by": "OA-S1",
         "opened_ts": "2026-01-06T09:55:00Z", "reason": "payment_not_received",
         "outcome": "resolved_payment_confirmed", "resolved_ts": "2026-01-06T13:45:00Z"},
    ]
    return {"accounts": accounts, "p2p_orders": orders, "p2p_appeals": appeals}


# --- money mule (MU-) -----------------------------------------------------------------------------------------


MULE_ADDRESSES = (
    ("TMk4R8vQe2ZbW7nXcJ3pLd9sHf6gYt1uAo", "high"),
    ("TGz2Lw5hNq8cV3rBm7xKd4sPj9eFy6tUiE", "medium"),
    ("TR9aHc3Vf7KmQ2xLw8nZp5dJb4sGe6yTuN", "high"),
)
"""The mule's three withdrawal addresses (TRON) and their KYT risk; the first is shared with MU-M2."""


def _money_mule() -> Rows:
    """A two-week-old account buys USDT from 25 sellers over the week and sends ~90% on-chain within the hour."""
    rng = random.Random(5303)
    sellers = [f"MU-S{n:02d}" for n in range(1, 26)]
    countries = ["NL", "DE", "BE", "FR", "ES", "IT", "AT"]
    accounts = [
        _account("MU-M1", "2025-12-23 14:12", 1, "NL"),
        _account("MU-M2", "2025-12-27 19:48", 1, "NL"),
    ]
    for n, seller in enumerate(sellers):
        created = _at("2023-01-09 10:00") + timedelta(days=29 * n + rng.randint(0, 20))
        accounts.append(_account(seller, created.strftime("%Y-%m-%d %H:%M"), 2, countries[n % len(countries)]))

    # 32 orders over six days: the first 25 each with a new seller, then 7 with repeat sellers (2 cancelled).
    order_sellers = rng.sample(sellers, len(sellers)) + rng.sample(sellers, 7)
    starts = ["08:20", "10:35", "13:10", "15:45", "18:20", "20:50"]
    per_day = [5, 5, 6, 5, 6, 5]
    times: list[datetime] = []
    for day, count in enumerate(per_day):
        for slot in sorted(rng.sample(range(len(starts)), count)):
            times.append(_at(f"2026-01-0{day + 1} {starts[slot]}") + timedelta(minutes=rng.randint(0, 25)))
    cancelled = {27, 30}
    victim_hashes = [f"MU-PAH-V{n}" for n in range(1, 8)]
    mismatched = set(rng.sample([i for i in range(32) if i not in cancelled], 12))
    orders: list[Row] = []
    transfers: list[Row] = []
    for i, (seller, created) in enumerate(zip(order_sellers, times, strict=True)):
        usdt = float(rng.randint(8, 38) * 50)
        price = round(rng.uniform(0.930, 0.948), 4)
        method = "revolut" if i % 4 == 3 else "sepa_instant"
        order_id = f"MU-P{i + 1:04d}"
        if i in cancelled:
            orders.append(_p2p_order(order_id, "MU-M1", seller, usdt, price, "EUR", method, created, None, None,
                                     None, None, status="cancelled"))
            continue
        third_party = i in mismatched
        payer = rng.choice(victim_hashes) if third_party else ("MU-PAH-OWN1" if i % 3 else "MU-PAH-OWN2")
        paid_after, released_after = rng.randint(3, 9), rng.randint(2, 12)
        orders.append(_p2p_order(order_id, "MU-M1", seller, usdt, price, "EUR", method, created, paid_after,
                                 released_after, not third_party, payer))
        released = created + timedelta(minutes=paid_after + released_after)
        address, kyt = MULE_ADDRESSES[i % len(MULE_ADDRESSES)]
        kept = round(rng.uniform(0.085, 0.115), 3)  # the mule's cut stays on the account
        transfers.append(_withdrawal(f"MU-W{i + 1:04d}", released + timedelta(minutes=rng.randint(9, 48)), "MU-M1",
                                     round(usdt * (1 - kept), 2), "TRON", address, kyt, rng))

    # A second mule on the same device, feeding the first address.
    for j, (seller, day_time) in enumerate(zip(["MU-S03", "MU-S07", "MU-S11", "MU-S15", "MU-S19", "MU-S22"],
                                               ["04 09:15", "04 14:40", "05 11:05", "05 17:30", "06 10:20",
                                                "06 16:55"], strict=True)):
        created = _at(f"2026-01-{day_time}")
        usdt = float(rng.randint(8, 30) * 50)
        paid_after, released_after = rng.randint(3, 9), rng.randint(2, 12)
        orders.append(_p2p_order(f"MU-P{101 + j:04d}", "MU-M2", seller, usdt, round(rng.uniform(0.930, 0.948), 4),
                                 "EUR", "sepa_instant", created, paid_after, released_after, True, "MU-PAH-OWN9"))
        released = created + timedelta(minutes=paid_after + released_after)
        transfers.append(_withdrawal(f"MU-W{101 + j:04d}", released + timedelta(minutes=rng.randint(9, 40)), "MU-M2",
                                     round(usdt * 0.9, 2), "TRON", MULE_ADDRESSES[0][0], MULE_ADDRESSES[0][1], rng))

    reversed_order = next(o for o in orders if o["payment_method"] == "revolut" and o["status"] == "completed"
                          and o["payer_name_matches_kyc"] is False)
    appeals = [
        {"appeal_id": "MU-A0001", "p2p_order_id": reversed_order["p2p_order_id"],
         "opened_by": reversed_order["seller_account_id"], "opened_ts": "2026-01-06T16:10:00Z",
         "reason": "payment_reversed", "outcome": None, "resolved_ts": None},
    ]
    identity_links: list[Row] = [
        {"account_id": "MU-M1", "link_type": "device_id", "link_value": "MU-DEV-77C2",
         "first_seen": "2025-12-23T14:12:00Z", "last_seen": "2026-01-06T21:30:00Z"},
        {"account_id": "MU-M2", "link_type": "device_id", "link_value": "MU-DEV-77C2",
         "first_seen": "2025-12-27T19:48:00Z", "last_seen": "2026-01-06T17:40:00Z"},
        {"account_id": "MU-M2", "link_type": "payout_address", "link_value": MULE_ADDRESSES[0][0],
         "first_seen": "2026-01-04T09:00:00Z", "last_seen": "2026-01-06T17:40:00Z"},
    ]
    security_events: list[Row] = []
    for k, (address, _kyt) in enumerate(MULE_ADDRESSES):
        added = _at("2025-12-28 11:02") + timedelta(days=k)
        identity_links.append({"account_id": "MU-M1", "link_type": "payout_address", "link_value": address,
                               "first_seen": _ts(added), "last_seen": "2026-01-06T21:30:00Z"})
        security_events.append({"account_id": "MU-M1", "ts": _ts(added), "event_type": "withdraw_addr_add",
                                "ip": "MU-IP-145.53.0.8", "device_id": "MU-DEV-77C2", "geo_country": "NL"})
    return {"accounts": accounts, "p2p_orders": orders, "p2p_appeals": appeals, "transfers": transfers,
            "identity_links": identity_links, "security_events": security_events}


# --- high-volume merchant (MC-), benign --------------------------------------------------------------------------


MERCHANT_COLD_WALLET = "0x5c3A9e21B7d04f8E6a1C92b3D4e5F60718a9bC2d"


def _merchant() -> Rows:
    """An established P2P merchant trades with 50 counterparties in a week, keeps its balance and withdraws once."""
    rng = random.Random(5407)
    buyers = [f"MC-C{n:02d}" for n in range(1, 29)]     # buy USDT from the merchant
    sellers = [f"MC-C{n:02d}" for n in range(29, 51)]   # sell USDT to the merchant (restocking)
    accounts = [_account("MC-M1", "2023-03-14 09:00", 3, "DE")]
    countries = ["DE", "AT", "NL", "PL", "CZ"]
    for n, account_id in enumerate(buyers + sellers):
        created = _at("2022-05-02 08:00") + timedelta(days=23 * n + rng.randint(0, 15))
        accounts.append(_account(account_id, created.strftime("%Y-%m-%d %H:%M"), 2, countries[n % len(countries)]))
    orders: list[Row] = []
    # 40 sales to 28 buyers across the week, 08:00-22:00.
    sale_buyers = rng.sample(buyers, len(buyers)) + [rng.choice(buyers) for _ in range(12)]
    for i, buyer in enumerate(sale_buyers):
        created = _at(f"2026-01-0{1 + i % 7} 08:00") + timedelta(minutes=rng.randint(0, 14 * 60))
        matches = None if i in (11, 29) else True  # two payments on a rail that does not show the payer name
        orders.append(_p2p_order(f"MC-P{i + 1:04d}", buyer, "MC-M1", float(rng.randint(3, 60) * 50),
                                 round(rng.uniform(0.936, 0.944), 4), "EUR", "sepa_instant", created,
                                 rng.randint(2, 8), rng.randint(1, 6), matches, f"MC-PAH-{buyer.split('-')[1]}"))
    # 26 restocking buys from 22 sellers, paid from the merchant's business account, 08:00-20:00.
    buy_sellers = rng.sample(sellers, len(sellers)) + [rng.choice(sellers) for _ in range(4)]
    for j, seller in enumerate(buy_sellers):
        created = _at(f"2026-01-0{1 + j % 7} 08:00") + timedelta(minutes=rng.randint(0, 11 * 60))
        orders.append(_p2p_order(f"MC-P{101 + j:04d}", "MC-M1", seller, float(rng.randint(20, 120) * 50),
                                 round(rng.uniform(0.925, 0.932), 4), "EUR", "sepa_instant", created,
                                 rng.randint(2, 6), rng.randint(1, 5), True, "MC-PAH-BIZ1"))
    transfers = [
        {"transfer_id": "MC-D0001", "ts": "2026-01-01T10:12:00Z", "account_id": "MC-M1", "kind": "deposit",
         "asset": "USDT", "amount": 30000.0, "amount_usd": 30000.0, "counterparty_account_id": None,
         "chain": "ETH", "address": MERCHANT_COLD_WALLET, "tx_hash": "0x" + _tx_hash(rng), "kyt_risk": "low"},
        {"transfer_id": "MC-W0001", "ts": "2026-01-06T23:10:00Z", "account_id": "MC-M1", "kind": "withdrawal",
         "asset": "USDT", "amount": 8000.0, "amount_usd": 8000.0, "counterparty_account_id": None,
         "chain": "ETH", "address": MERCHANT_COLD_WALLET, "tx_hash": "0x" + _tx_hash(rng), "kyt_risk": "low"},
    ]
    identity_links = [
        {"account_id": "MC-M1", "link_type": "payout_address", "link_value": MERCHANT_COLD_WALLET,
         "first_seen": "2023-05-02T12:00:00Z", "last_seen": "2026-01-06T23:10:00Z"},
        {"account_id": "MC-M1", "link_type": "deposit_source_address", "link_value": MERCHANT_COLD_WALLET,
         "first_seen": "2023-05-02T12:00:00Z", "last_seen": "2026-01-01T10:12:00Z"},
    ]
    return {"accounts": accounts, "p2p_orders": orders, "transfers": transfers, "identity_links": identity_links}


CASES: tuple[Case, ...] = (
    Case(
        name="p2p_third_party_payment",
        typology="p2p-third-party-payment",
        benign=False,
        summary=("18-day-old TP-B1 buys 2,500 USDT (GBP 2,005) in order TP-P0003 paid from a stranger's account "
                 "(payer name does not match KYC); TP-S1 releases and 2,450 USDT leave on-chain 17 minutes later to "
                 "a high-risk address; a day later TP-S1's bank freezes the funds (bank_freeze appeal); a second "
                 "account on TP-B1's device was paid from the same victim account."),
        subjects={"p2p_order_id": "TP-P0003", "account_id": "TP-B1"},
        window=("2026-01-05T00:00:00Z", "2026-01-07T00:00:00Z"),
        rows=_third_party_payment,
    ),
    Case(
        name="p2p_own_account_payment",
        typology="p2p-third-party-payment",
        benign=True,
        summary=("OA-B1 (account since 2024) pays 748 EUR for 800 USDT in order OA-P0001 by ordinary SEPA transfer "
                 "from their own account; the seller opens a payment_not_received appeal 53 minutes later and it is "
                 "resolved when the money lands four and a half hours after ordering."),
        subjects={"p2p_order_id": "OA-P0001", "account_id": "OA-B1"},
        window=("2026-01-05T00:00:00Z", "2026-01-07T00:00:00Z"),
        rows=_own_account_payment,
    ),
    Case(
        name="money_mule",
        typology="p2p-money-mule",
        benign=False,
        summary=("MU-M1, opened on 2025-12-23, places 32 P2P buy orders in six days (30 completed, from 25 distinct "
                 "sellers, 12 paid from accounts not in its name) and withdraws about 90% of each purchase on TRON "
                 "within 9-48 minutes to three addresses (two high KYT risk), one shared with MU-M2 on the same "
                 "device."),
        subjects={"account_id": "MU-M1"},
        window=("2026-01-01T00:00:00Z", "2026-01-08T00:00:00Z"),
        rows=_money_mule,
    ),
    Case(
        name="p2p_merchant",
        typology="p2p-money-mule",
        benign=True,
        summary=("MC-M1, a P2P merchant since 2023, sells USDT to 28 buyers and restocks from 22 sellers in 66 "
                 "orders over the week, keeps its balance on the exchange and withdraws once (8,000 USDT to its "
                 "long-standing, low-risk cold wallet)."),
        subjects={"account_id": "MC-M1"},
        window=("2026-01-01T00:00:00Z", "2026-01-08T00:00:00Z"),
        rows=_merchant,
    ),
)
