"""Demo-data cases: user risk (Sybil / multi-account campaign farming and its look-alike)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from compiler.demo.catalog import Case, Rows

Row = dict[str, Any]


def _iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def _links(account_id: str, first_seen: datetime, last_seen: datetime, **values: str) -> list[Row]:
    """One identity_links row per link type given as keyword (link_type=link_value)."""
    return [
        {"account_id": account_id, "link_type": link_type, "link_value": value,
         "first_seen": _iso(first_seen), "last_seen": _iso(last_seen)}
        for link_type, value in values.items()
    ]


# --- sybil_farm -------------------------------------------------------------------------------------------------

SY_CAMPAIGN = "SY-WELCOME-50"
SY_REFERRER = "SY-REF"
SY_FUNDING_ADDRESS = "TSyFundSrc7Qm2vXo9LkE3pWbR8tNc4aHd"
"""One TRON address that funded every farm account."""
SY_SWEEP_ADDRESS = "TSySweepDst5Hj8KzP1wQy6VnM3rLd2cBf"
"""One TRON address every farm account (and the referrer) withdrew to."""
SY_ACCOUNTS = 12
SY_FIRST_SIGNUP = datetime(2026, 1, 5, 9, 58)
SY_SIGNUP_GAP = timedelta(minutes=4, seconds=30)
SY_DEPOSIT_USDT = 500.0
SY_WELCOME_USD = 50.0
SY_REFERRAL_USD = 10.0
SY_FEE_USDT = 1.0


def _sy_device(i: int) -> str:
    return "SY-DEV-" + "ABC"[(i - 1) // 4]


def _sybil_rows() -> Rows:
    accounts: list[Row] = []
    links: list[Row] = []
    events: list[Row] = []
    transfers: list[Row] = []
    grants: list[Row] = []
    end_of_week = datetime(2026, 1, 8)

    ref_created = datetime(2025, 8, 14, 7, 12)
    accounts.append({"account_id": SY_REFERRER, "user_id": "SY-U00", "parent_account_id": None,
                     "created_at": _iso(ref_created), "kyc_level": 2, "country": "VN", "status": "active",
                     "is_market_maker": False, "referrer_account_id": None})
    links += _links(SY_REFERRER, ref_created, end_of_week, device_id="SY-DEV-A", ip="198.51.100.20",
                    kyc_doc_hash="SY-DOC-00", face_hash="SY-FACE-00", phone="SY-PHONE-00",
                    email_norm="sy-ref@mail.example", bank_account="SY-BANK-00")
    links += _links(SY_REFERRER, datetime(2025, 9, 1, 8, 0), end_of_week, payout_address=SY_SWEEP_ADDRESS)

    referral_total = 0.0
    for i in range(1, SY_ACCOUNTS + 1):
        acc = f"SY-{i:02d}"
        created = SY_FIRST_SIGNUP + (i - 1) * SY_SIGNUP_GAP
        deposit_ts = created + timedelta(minutes=40)
        grant_ts = deposit_ts + timedelta(minutes=60)
        sweep_ts = grant_ts + timedelta(minutes=125)
        ip = f"198.51.100.{100 + i}"  # a residential proxy: a different exit IP for every account
        accounts.append({"account_id": acc, "user_id": f"SY-U{i:02d}", "parent_account_id": None,
                         "created_at": _iso(created), "kyc_level": 1, "country": "VN", "status": "active",
                         "is_market_maker": False, "referrer_account_id": SY_REFERRER})
        face = "SY-FACE-X" if 5 <= i <= 8 else f"SY-FACE-{i:02d}"  # one person did the liveness check for four IDs
        links += _links(acc, created, end_of_week, device_id=_sy_device(i), ip=ip, kyc_doc_hash=f"SY-DOC-{i:02d}",
                        face_hash=face, phone=f"SY-PHONE-{i:02d}", email_norm=f"sy-{i:02d}@mail.example")
        links += _links(acc, deposit_ts, deposit_ts, deposit_source_address=SY_FUNDING_ADDRESS)
        links += _links(acc, sweep_ts - timedelta(minutes=3), sweep_ts, payout_address=SY_SWEEP_ADDRESS)
        events.append({"account_id": acc, "ts": _iso(created + timedelta(seconds=40)), "event_type": "login",
                       "ip": ip, "device_id": _sy_device(i), "geo_country": "VN"})
        events.append({"account_id": acc, "ts": _iso(sweep_ts - timedelta(minutes=4)), "event_type": "login",
                       "ip": ip, "device_id": _sy_device(i), "geo_country": "VN"})
        events.append({"account_id": acc, "ts": _iso(sweep_ts - timedelta(minutes=3)), "event_type": "withdraw_addr_add",
                       "ip": ip, "device_id": _sy_device(i), "geo_country": "VN"})
        transfers.append({"transfer_id": f"SY-D{i:02d}", "ts": _iso(deposit_ts), "account_id": acc, "kind": "deposit",
                          "asset": "USDT", "amount": SY_DEPOSIT_USDT, "amount_usd": SY_DEPOSIT_USDT,
                          "counterparty_account_id": None, "chain": "TRON", "address": SY_FUNDING_ADDRESS,
                          "tx_hash": f"sy{i:02d}d" + "4e1a" * 15, "kyt_risk": "low"})
        grants.append({"grant_id": f"SY-G{i:02d}", "account_id": acc, "campaign_id": SY_CAMPAIGN,
                       "amount_usd": SY_WELCOME_USD, "granted_ts": _iso(grant_ts)})
        grants.append({"grant_id": f"SY-GR{i:02d}", "account_id": SY_REFERRER, "campaign_id": SY_CAMPAIGN,
                       "amount_usd": SY_REFERRAL_USD, "granted_ts": _iso(grant_ts)})
        referral_total += SY_REFERRAL_USD
        swept = SY_DEPOSIT_USDT + SY_WELCOME_USD - SY_FEE_USDT
        transfers.append({"transfer_id": f"SY-W{i:02d}", "ts": _iso(sweep_ts), "account_id": acc, "kind": "withdrawal",
                          "asset": "USDT", "amount": swept, "amount_usd": swept, "counterparty_account_id": None,
                          "chain": "TRON", "address": SY_SWEEP_ADDRESS, "tx_hash": f"sy{i:02d}w" + "9b7c" * 15,
                          "kyt_risk": "low"})
    ref_sweep_ts = datetime(2026, 1, 5, 16, 30)
    events.append({"account_id": SY_REFERRER, "ts": _iso(ref_sweep_ts - timedelta(minutes=2)), "event_type": "login",
                   "ip": "198.51.100.20", "device_id": "SY-DEV-A", "geo_country": "VN"})
    transfers.append({"transfer_id": "SY-WREF", "ts": _iso(ref_sweep_ts), "account_id": SY_REFERRER,
                      "kind": "withdrawal", "asset": "USDT", "amount": referral_total - SY_FEE_USDT,
                      "amount_usd": referral_total - SY_FEE_USDT, "counterparty_account_id": None, "chain": "TRON",
                      "address": SY_SWEEP_ADDRESS, "tx_hash": "syrefw" + "9b7c" * 15, "kyt_risk": "low"})
    return {"accounts": accounts, "identity_links": links, "security_events": events, "transfers": transfers,
            "reward_grants": grants}


# --- shared_office_ip -------------------------------------------------------------------------------------------

OF_CAMPAIGN = "OF-JAN-TRADE-20"
OF_OFFICE_IP = "203.0.113.10"
OF_SYMBOL = "OFCUSDT"
OF_MAKER = "OF-MM"
OF_ACCOUNTS = 15
OF_MIN_VOLUME_USD = 1500.0
OF_REWARD_USD = 20.0


def _office_rows() -> Rows:
    rng = random.Random(4711)
    accounts: list[Row] = []
    links: list[Row] = []
    events: list[Row] = []
    transfers: list[Row] = []
    grants: list[Row] = []
    orders: list[Row] = []
    trades: list[Row] = []
    end_of_week = datetime(2026, 1, 8)
    day = datetime(2026, 1, 5)

    instruments = [{"symbol": OF_SYMBOL, "market_type": "spot", "base_asset": "OFC", "quote_asset": "USDT",
                    "max_leverage": None, "maint_margin_rate": None, "oi_cap_usd": None,
                    "listed_at": "2025-06-02T08:00:00Z", "status": "trading"}]
    mm_created = datetime(2025, 6, 1, 9, 0)
    accounts.append({"account_id": OF_MAKER, "user_id": "OF-UMM", "parent_account_id": None,
                     "created_at": _iso(mm_created), "kyc_level": 3, "country": "KY", "status": "active",
                     "is_market_maker": True, "referrer_account_id": None})
    links += _links(OF_MAKER, mm_created, end_of_week, device_id="OF-DEV-MM", ip="192.0.2.200",
                    kyc_doc_hash="OF-DOC-MM", bank_account="OF-BANK-MM")

    # Employees of one trading firm: accounts opened over most of 2025, each with its own identity, all
    # behind the firm's office NAT (one public IP) during working hours and on their own home IPs otherwise.
    created_days = sorted(rng.sample(range(20, 330), OF_ACCOUNTS))
    price = 4.2150
    trade_no = 0
    for i in range(1, OF_ACCOUNTS + 1):
        acc = f"OF-{i:02d}"
        created = datetime(2025, 1, 1, 10, 0) + timedelta(days=created_days[i - 1], minutes=rng.randint(0, 480))
        referrer = f"OF-{i - 4:02d}" if i in (7, 12) else None  # two colleagues invited months after joining
        accounts.append({"account_id": acc, "user_id": f"OF-U{i:02d}", "parent_account_id": None,
                         "created_at": _iso(created), "kyc_level": 2, "country": "SG", "status": "active",
                         "is_market_maker": False, "referrer_account_id": referrer})
        office_seen = created + timedelta(days=rng.randint(0, 3))
        links += _links(acc, created, end_of_week, device_id=f"OF-DEV-{i:02d}", ip=f"192.0.2.{10 + i}",
                        kyc_doc_hash=f"OF-DOC-{i:02d}", face_hash=f"OF-FACE-{i:02d}", phone=f"OF-PHONE-{i:02d}",
                        email_norm=f"of-{i:02d}@mail.example", bank_account=f"OF-BANK-{i:02d}")
        links += _links(acc, office_seen, end_of_week, ip=OF_OFFICE_IP)
        funded = created + timedelta(days=1, hours=2)
        source = f"0x0f{i:02d}" + "5ce1" * 9
        links += _links(acc, funded, funded, deposit_source_address=source)
        deposit = float(rng.choice([2000, 3000, 5000, 8000]))
        transfers.append({"transfer_id": f"OF-D{i:02d}", "ts": _iso(funded), "account_id": acc, "kind": "deposit",
                          "asset": "USDT", "amount": deposit, "amount_usd": deposit, "counterparty_account_id": None,
                          "chain": "ETH", "address": source, "tx_hash": f"0xof{i:02d}" + "ab12" * 15,
                          "kyt_risk": "low"})
        login = day + timedelta(hours=1, minutes=rng.randint(0, 40))
        events.append({"account_id": acc, "ts": _iso(login), "event_type": "login", "ip": OF_OFFICE_IP,
                       "device_id": f"OF-DEV-{i:02d}", "geo_country": "SG"})
        volume = 0.0
        ts = login + timedelta(minutes=rng.randint(5, 30))
        for _ in range(3):
            trade_no += 1
            price = round(price * (1 + rng.uniform(-0.002, 0.002)), 4)
            side = rng.choice(["buy", "sell"])
            qty = round(rng.uniform(200, 800) / price, 1)
            notional = round(price * qty, 4)
            volume += notional
            bid, ask = (round(price - 0.0010, 4), price) if side == "buy" else (price, round(price + 0.0010, 4))
            maker_created = ts - timedelta(seconds=rng.randint(20, 300))
            taker_id, maker_id = f"OF-O{trade_no:03d}T", f"OF-O{trade_no:03d}M"
            orders.append({"order_id": maker_id, "account_id": OF_MAKER, "symbol": OF_SYMBOL,
                           "side": "sell" if side == "buy" else "buy", "order_type": "limit", "tif": "GTC",
                           "price": price, "qty": qty, "filled_qty": qty, "status": "filled",
                           "created_ts": _iso(maker_created), "done_ts": _iso(ts), "best_bid_at_entry": bid,
                           "best_ask_at_entry": ask, "reduce_only": False, "stp_mode": "expire_taker",
                           "channel": "api"})
            orders.append({"order_id": taker_id, "account_id": acc, "symbol": OF_SYMBOL, "side": side,
                           "order_type": "limit", "tif": "IOC", "price": price, "qty": qty, "filled_qty": qty,
                           "status": "filled", "created_ts": _iso(ts), "done_ts": _iso(ts), "best_bid_at_entry": bid,
                           "best_ask_at_entry": ask, "reduce_only": False, "stp_mode": "expire_taker",
                           "channel": "web"})
            trades.append({"trade_id": f"OF-T{trade_no:03d}", "symbol": OF_SYMBOL, "ts": _iso(ts), "price": price,
                           "qty": qty, "notional_usd": notional, "maker_order_id": maker_id,
                           "taker_order_id": taker_id, "maker_account_id": OF_MAKER, "taker_account_id": acc,
                           "taker_side": side, "is_liquidation": False})
            ts += timedelta(minutes=rng.randint(20, 150))
        if volume >= OF_MIN_VOLUME_USD:
            grants.append({"grant_id": f"OF-G{i:02d}", "account_id": acc, "campaign_id": OF_CAMPAIGN,
                           "amount_usd": OF_REWARD_USD, "granted_ts": _iso(day + timedelta(hours=16))})
    return {"instruments": instruments, "accounts": accounts, "identity_links": links, "security_events": events,
            "transfers": transfers, "reward_grants": grants, "orders": orders, "trades": trades}


CASES: tuple[Case, ...] = (
    Case(
        name="sybil_farm",
        typology="sybil-farming",
        benign=False,
        summary=(
            "Twelve accounts referred by SY-REF signed up within 50 minutes on three shared devices (four of them "
            "on one face hash), were each funded with 500 USDT from one TRON address, received the $50 welcome "
            "bonus of campaign SY-WELCOME-50 (plus $10 per referee to SY-REF, $720 in all) and swept 549 USDT "
            "each to one withdrawal address within about two hours."
        ),
        subjects={"campaign_id": SY_CAMPAIGN},
        window=("2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z"),
        rows=_sybil_rows,
    ),
    Case(
        name="shared_office_ip",
        typology="sybil-farming",
        benign=True,
        summary=(
            "Fifteen employees of one trading firm, with accounts opened over 2025 and their own devices, ID "
            "documents, banks and payout addresses, share only the office IP 203.0.113.10; each traded OFCUSDT "
            "three times against a market maker and the seven with $1,500 or more of volume earned the $20 reward of "
            "campaign OF-JAN-TRADE-20."
        ),
        subjects={"campaign_id": OF_CAMPAIGN},
        window=("2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z"),
        rows=_office_rows,
    ),
)
