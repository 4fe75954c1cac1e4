"""Demo-data cases: account security (account takeover and its look-alike, a traveller on a new phone)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from compiler.demo.catalog import Case, Rows

Row = dict[str, Any]


def _iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def _event(account_id: str, ts: datetime, event_type: str, ip: str, device_id: str, country: str) -> Row:
    return {"account_id": account_id, "ts": _iso(ts), "event_type": event_type, "ip": ip, "device_id": device_id,
            "geo_country": country}


def _link(account_id: str, link_type: str, value: str, first_seen: datetime, last_seen: datetime) -> Row:
    return {"account_id": account_id, "link_type": link_type, "link_value": value, "first_seen": _iso(first_seen),
            "last_seen": _iso(last_seen)}


def _usdt(transfer_id: str, ts: datetime, account_id: str, kind: str, amount: float, chain: str, address: str,
          tx_hash: str, kyt_risk: str) -> Row:
    return {"transfer_id": transfer_id, "ts": _iso(ts), "account_id": account_id, "kind": kind, "asset": "USDT",
            "amount": amount, "amount_usd": amount, "counterparty_account_id": None, "chain": chain,
            "address": address, "tx_hash": tx_hash, "kyt_risk": kyt_risk}


def _baseline_logins(account_id: str, devices: list[tuple[str, str]], country: str, start: datetime,
                     days: int, every: int) -> list[Row]:
    """Routine logins every `every` days from the account's usual devices and home IPs."""
    rows: list[Row] = []
    for n, offset in enumerate(range(0, days, every)):
        device, ip = devices[n % len(devices)]
        ts = start + timedelta(days=offset, hours=(7 + 5 * n) % 14 + 6, minutes=(17 * n) % 60)
        rows.append(_event(account_id, ts, "login", ip, device, country))
    return rows


# --- account_takeover -------------------------------------------------------------------------------------------

ATO = "ATO-1"
ATO_HOME_IP = "192.0.2.44"
ATO_PHONE = "ATO-DEV-PHONE"
ATO_LAPTOP = "ATO-DEV-LAPTOP"
ATO_ATTACKER_DEVICE = "ATO-DEV-X9"
ATO_ATTACKER_IP = "185.220.101.37"
ATO_OLD_ADDRESS = "TAto0wnWa11etK8sQ2mVx7nR4pLc9dHe3f"
ATO_NEW_ADDRESS = "TAtoThiefDrop5Yw1qZk6Bn8Rv3Mx2Lp7Gs"


def _takeover_rows() -> Rows:
    created = datetime(2025, 3, 10, 18, 5)
    now = datetime(2026, 1, 5, 13, 0)
    accounts = [{"account_id": ATO, "user_id": "ATO-U1", "parent_account_id": None, "created_at": _iso(created),
                 "kyc_level": 2, "country": "DE", "status": "active", "is_market_maker": False,
                 "referrer_account_id": None}]
    links = [
        _link(ATO, "device_id", ATO_PHONE, created, now),
        _link(ATO, "device_id", ATO_LAPTOP, datetime(2025, 6, 2, 19, 0), now),
        _link(ATO, "ip", ATO_HOME_IP, created, now),
        _link(ATO, "kyc_doc_hash", "ATO-DOC-1", created, created),
        _link(ATO, "face_hash", "ATO-FACE-1", created, created),
        _link(ATO, "phone", "ATO-PHONE-1", created, now),
        _link(ATO, "email_norm", "ato-1@mail.example", created, now),
        _link(ATO, "payout_address", ATO_OLD_ADDRESS, datetime(2025, 11, 14, 20, 3), datetime(2025, 11, 15, 8, 55)),
        _link(ATO, "device_id", ATO_ATTACKER_DEVICE, datetime(2026, 1, 5, 13, 2), datetime(2026, 1, 5, 13, 27)),
        _link(ATO, "ip", ATO_ATTACKER_IP, datetime(2026, 1, 5, 13, 2), datetime(2026, 1, 5, 13, 27)),
        _link(ATO, "payout_address", ATO_NEW_ADDRESS, datetime(2026, 1, 5, 13, 18), datetime(2026, 1, 5, 13, 27)),
    ]
    usual = [(ATO_PHONE, ATO_HOME_IP), (ATO_LAPTOP, ATO_HOME_IP)]
    events = _baseline_logins(ATO, usual, "DE", datetime(2025, 10, 1), 96, 3)
    events.append(_event(ATO, datetime(2025, 11, 14, 20, 3), "withdraw_addr_add", ATO_HOME_IP, ATO_LAPTOP, "DE"))
    # The takeover: a new device in another country resets the password and 2FA, creates an API key with
    # withdrawal permission, whitelists a new address and withdraws 95% of the balance, all within 25 minutes.
    attack = [(datetime(2026, 1, 5, 13, 2), "login"), (datetime(2026, 1, 5, 13, 5), "password_reset"),
              (datetime(2026, 1, 5, 13, 6), "login"), (datetime(2026, 1, 5, 13, 9), "2fa_reset"),
              (datetime(2026, 1, 5, 13, 14), "api_key_create"), (datetime(2026, 1, 5, 13, 18), "withdraw_addr_add")]
    events += [_event(ATO, ts, kind, ATO_ATTACKER_IP, ATO_ATTACKER_DEVICE, "BR") for ts, kind in attack]
    transfers = [
        _usdt("ATO-D1", datetime(2025, 5, 20, 17, 40), ATO, "deposit", 20000.0, "ETH", "0x47a0" + "c3d2" * 9,
              "0xato1d1" + "7f3e" * 14, "low"),
        _usdt("ATO-D2", datetime(2025, 9, 3, 18, 15), ATO, "deposit", 15000.0, "ETH", "0x47a0" + "c3d2" * 9,
              "0xato1d2" + "7f3e" * 14, "low"),
        _usdt("ATO-W1", datetime(2025, 11, 15, 8, 55), ATO, "withdrawal", 3000.0, "TRON", ATO_OLD_ADDRESS,
              "ato1w1" + "5a6b" * 15, "low"),
        _usdt("ATO-D3", datetime(2025, 12, 12, 19, 30), ATO, "deposit", 6000.0, "ETH", "0x47a0" + "c3d2" * 9,
              "0xato1d3" + "7f3e" * 14, "low"),
        # 38,000 USDT on the account; the attacker takes 36,100 (95%) through the new API key.
        _usdt("ATO-W2", datetime(2026, 1, 5, 13, 27), ATO, "withdrawal", 36100.0, "TRON", ATO_NEW_ADDRESS,
              "ato1w2" + "e81f" * 15, "medium"),
    ]
    return {"accounts": accounts, "identity_links": links, "security_events": events, "transfers": transfers}


# --- traveller_new_device ---------------------------------------------------------------------------------------

TRV = "TRV-1"
TRV_HOME_IP = "192.0.2.77"
TRV_OLD_PHONE = "TRV-DEV-PHONE-2023"
TRV_NEW_PHONE = "TRV-DEV-PHONE-2026"
TRV_HOTEL_IP = "203.0.113.201"


def _traveller_rows() -> Rows:
    created = datetime(2023, 4, 18, 11, 20)
    accounts = [{"account_id": TRV, "user_id": "TRV-U1", "parent_account_id": None, "created_at": _iso(created),
                 "kyc_level": 2, "country": "FR", "status": "active", "is_market_maker": False,
                 "referrer_account_id": None}]
    first_new = datetime(2026, 1, 6, 3, 41)
    last_home = datetime(2025, 12, 26, 6, 57)  # the last of the routine logins below
    links = [
        _link(TRV, "device_id", TRV_OLD_PHONE, created, last_home),
        _link(TRV, "ip", TRV_HOME_IP, created, last_home),
        _link(TRV, "kyc_doc_hash", "TRV-DOC-1", created, created),
        _link(TRV, "face_hash", "TRV-FACE-1", created, created),
        _link(TRV, "phone", "TRV-PHONE-1", created, first_new),
        _link(TRV, "email_norm", "trv-1@mail.example", created, first_new),
        _link(TRV, "device_id", TRV_NEW_PHONE, first_new, datetime(2026, 1, 6, 14, 12)),
        _link(TRV, "ip", TRV_HOTEL_IP, first_new, datetime(2026, 1, 6, 14, 12)),
    ]
    events = _baseline_logins(TRV, [(TRV_OLD_PHONE, TRV_HOME_IP)], "FR", datetime(2025, 10, 3), 88, 4)
    # On holiday in Thailand with a new phone: three logins, no credential or address change, no withdrawal.
    events += [_event(TRV, ts, "login", TRV_HOTEL_IP, TRV_NEW_PHONE, "TH")
               for ts in (first_new, datetime(2026, 1, 6, 9, 25), datetime(2026, 1, 6, 14, 12))]
    transfers = [
        _usdt("TRV-D1", datetime(2024, 2, 7, 10, 0), TRV, "deposit", 4000.0, "ETH", "0x7e1a" + "0b9c" * 9,
              "0xtrv1d1" + "2c4d" * 14, "low"),
        _usdt("TRV-D2", datetime(2025, 7, 1, 9, 30), TRV, "deposit", 2500.0, "ETH", "0x7e1a" + "0b9c" * 9,
              "0xtrv1d2" + "2c4d" * 14, "low"),
    ]
    return {"accounts": accounts, "identity_links": links, "security_events": events, "transfers": transfers}


CASES: tuple[Case, ...] = (
    Case(
        name="account_takeover",
        typology="account-takeover",
        benign=False,
        summary=(
            "ATO-1 (Germany, two usual devices) is logged into from a new device in Brazil at 13:02 on 2026-01-05; "
            "within 25 minutes the password and 2FA are reset, an API key is created, a new withdrawal address "
            "is added and 36,100 USDT (95% of a 38,000 USDT balance) is withdrawn to it on TRON."
        ),
        subjects={"account_id": ATO},
        window=("2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z"),
        rows=_takeover_rows,
    ),
    Case(
        name="traveller_new_device",
        typology="account-takeover",
        benign=True,
        summary=(
            "TRV-1 (France, one phone since 2023) logs in three times on 2026-01-06 from a new phone on a hotel "
            "IP in Thailand, with no password, 2FA, API-key or address change and no withdrawal."
        ),
        subjects={"account_id": TRV},
        window=("2026-01-06T00:00:00Z", "2026-01-07T00:00:00Z"),
        rows=_traveller_rows,
    ),
)
