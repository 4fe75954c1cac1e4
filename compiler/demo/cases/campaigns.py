"""Demo-data cases: a reward campaign where a farm hides among honest recipients who share one signal each.

`sybil_farm_with_bystanders`: six farm accounts on two phones, funded by one
internal account and swept to one address (three signal families each), and
beside them a family of three on one tablet (a shared device only) and four
strangers who deposited from the same exchange hot wallet (a common funding
source only). Actions by association would hit all thirteen; the evidence
implicates six.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from compiler.demo.catalog import Case, Rows
from compiler.demo.rows import Row, account, link, transfer

CAMPAIGN = "SB-SPRING-30"
_GRANTED = datetime(2026, 2, 2, 10, 0)
_FARM = [f"SB-F{i}" for i in range(1, 7)]
_FAMILY = ["SB-H1", "SB-H2", "SB-H3"]
_HOT_WALLET_USERS = ["SB-W1", "SB-W2", "SB-W3", "SB-W4"]


def _grant(n: int, account_id: str) -> Row:
    return {"grant_id": f"SB-G{n:02d}", "account_id": account_id, "campaign_id": CAMPAIGN, "amount_usd": 30.0,
            "granted_ts": _GRANTED + timedelta(minutes=7 * n)}


def _rows() -> Rows:
    accounts = [account("SB-BOSS", "2025-06-01T00:00", country="TR", kyc_level=2)]
    accounts += [account(a, "2026-01-30T00:00", country="TR", kyc_level=1) for a in _FARM]
    accounts += [account(a, "2023-04-01T00:00", country="NL", kyc_level=2) for a in _FAMILY]
    accounts += [account(a, f"2024-0{i + 1}-10T00:00", country="NL", kyc_level=2)
                 for i, a in enumerate(_HOT_WALLET_USERS)]
    links: list[Row] = []
    transfers: list[Row] = []
    for i, acc in enumerate(_FARM):
        links += [link(acc, "device_id", f"SB-PHONE-{i // 3}", "2026-01-30T00:00"),
                  link(acc, "kyc_doc_hash", f"SB-DOC-F{i}", "2026-01-30T00:00")]
        transfers.append(transfer(f"SB-IN{i}", "2026-01-31T09:00", acc, "internal_in", 50.0, counterparty="SB-BOSS"))
        transfers.append(transfer(f"SB-OUT{i}", "2026-02-02T16:00", acc, "withdrawal", 79.0, address="TSbSweepDrop1",
                                  chain="TRON"))
    for i, acc in enumerate(_FAMILY):  # parents and a daughter on the family tablet, each with their own documents
        links += [link(acc, "device_id", "SB-TABLET", "2023-04-01T00:00"),
                  link(acc, "kyc_doc_hash", f"SB-DOC-H{i}", "2023-04-01T00:00")]
    for i, acc in enumerate(_HOT_WALLET_USERS):  # withdrawals from one big exchange's hot wallet, to four strangers
        links += [link(acc, "deposit_source_address", "0xHotWalletOfAnotherExchange", "2025-11-01T00:00"),
                  link(acc, "device_id", f"SB-DEV-W{i}", "2024-01-10T00:00")]
    grants = [_grant(n, acc) for n, acc in enumerate([*_FARM, *_FAMILY, *_HOT_WALLET_USERS])]
    return {"accounts": accounts, "identity_links": links, "transfers": transfers, "reward_grants": grants}


CASES = (
    Case("sybil_farm_with_bystanders", "sybil", False,
         "Campaign SB-SPRING-30 paid $30 to thirteen accounts on 2 Feb 2026: six one-day-old accounts on two phones "
         "funded by SB-BOSS and swept to one TRON address (three signal families each), a family of three on one "
         "tablet and four strangers funded from one exchange hot wallet (one family each).",
         {"campaign_id": CAMPAIGN}, ("2026-02-02T00:00:00Z", "2026-02-03T00:00:00Z"), _rows),
)
