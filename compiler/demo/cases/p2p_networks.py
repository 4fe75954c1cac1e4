"""Demo-data cases: P2P buyers that only make sense as a group.

`mule_herder_split`: one herder runs three accounts from one phone; each buys
from eight sellers (under the 20-seller rule) and passes every USDT on to one
address within minutes, leaving nothing behind. `p2p_household_buyers`: a
couple on one tablet, each buying from twelve sellers for their savings and
keeping the coins: linked and busy, but no pass-through.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from compiler.demo.catalog import Case, Rows
from compiler.demo.rows import Row, account, link, p2p_order, transfer

_START = datetime(2026, 1, 12, 9, 0)


def _sellers(prefix: str, count: int) -> list[Row]:
    return [account(f"{prefix}-S{i:02d}", "2024-03-01T00:00", country="DE", kyc_level=2) for i in range(count)]


def _buyers(prefix: str, names: list[str], device: str, opened: str) -> tuple[list[Row], list[Row]]:
    accounts = [account(name, opened, country="DE", kyc_level=2) for name in names]
    links = [link(name, "device_id", device, opened) for name in names]
    return accounts, links


def _herder() -> Rows:
    buyers = ["MH-A", "MH-B", "MH-C"]
    accounts, links = _buyers("MH", buyers, "MH-PHONE-1", "2025-10-20T00:00")
    accounts += _sellers("MH", 24)
    orders, transfers = [], []
    for b, buyer in enumerate(buyers):
        for k in range(8):
            seller = f"MH-S{b * 8 + k:02d}"
            created = _START + timedelta(days=b, hours=k)
            usdt = 400.0 + 25 * k
            orders.append(p2p_order(f"MH-O{b}{k}", buyer, seller, usdt, created))
            sent = (created + timedelta(minutes=17 + 4)).strftime("%Y-%m-%dT%H:%M")
            transfers.append(transfer(f"MH-W{b}{k}", sent, buyer, "withdrawal", usdt, address="TMhHerderDrop9x",
                                      chain="TRON"))
    return {"accounts": accounts, "identity_links": links, "p2p_orders": orders, "transfers": transfers}


def _household() -> Rows:
    buyers = ["HH-A", "HH-B"]
    accounts, links = _buyers("HH", buyers, "HH-TABLET", "2023-05-02T00:00")
    accounts += _sellers("HH", 24)
    orders = [p2p_order(f"HH-O{b}{k}", buyer, f"HH-S{b * 12 + k:02d}", 150.0 + 10 * k,
                        _START + timedelta(days=k, hours=8 + b))
              for b, buyer in enumerate(buyers) for k in range(12)]
    return {"accounts": accounts, "identity_links": links, "p2p_orders": orders}


CASES = (
    Case("mule_herder_split", "money-mule", False,
         "Three accounts on one phone (MH-A, MH-B, MH-C) each buy USDT from eight different sellers on 12-14 Jan "
         "2026 and withdraw every coin to one TRON address 21 minutes after each order: 24 sellers and 100% "
         "pass-through for the group, while each account stays under the 20-seller rule.",
         {"account_id": "MH-A"}, ("2026-01-12T00:00:00Z", "2026-01-19T00:00:00Z"), _herder),
    Case("p2p_household_buyers", "money-mule", True,
         "A couple on one tablet (HH-A, HH-B), customers since 2023, each buy USDT from twelve sellers over twelve "
         "days and keep every coin: 24 sellers for the pair, no pass-through.",
         {"account_id": "HH-A"}, ("2026-01-12T00:00:00Z", "2026-01-26T00:00:00Z"), _household),
)
