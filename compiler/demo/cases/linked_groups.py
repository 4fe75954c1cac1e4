"""Demo-data cases: account structures and identity chains, for the linked-group procedure and its callers.

`master_sub_wash`: a master account trades against its own two sub-accounts
(the alert names the master, so a sibling-only search finds nothing).
`linked_group_chain`: sixty strangers chained one to the next by the shared
devices of a phone-repair shop; the walk must stop at its cap rather than
call them one group.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from compiler.demo.catalog import Case, Rows
from compiler.demo.rows import account, link, trade

MS_MASTER = "MS-M"
MS_SUBS = ("MS-S1", "MS-S2")
MS_START = datetime(2026, 1, 5, 2, 0)


def _master_sub_rows() -> Rows:
    accounts = [account(MS_MASTER, "2025-06-01T00:00", user_id="MS-U1", country="DE")]
    accounts += [account(sub, "2025-06-04T00:00", user_id="MS-U1", parent=MS_MASTER, country="DE") for sub in MS_SUBS]
    trades = []
    for i in range(24):  # the master buys from one sub and sells the same size back to the other: no risk moves
        ts = MS_START + timedelta(minutes=5 * i)
        sub = MS_SUBS[i % 2]
        price = 41.5 + (i % 3) * 0.01
        trades.append(trade(f"MS-T{i:02d}a", "LINKUSDT", ts, price, 300.0, sub, MS_MASTER, "buy"))
        trades.append(trade(f"MS-T{i:02d}b", "LINKUSDT", ts + timedelta(seconds=2), price, 300.0, MS_MASTER,
                            MS_SUBS[(i + 1) % 2], "buy"))
    return {"accounts": accounts, "trades": trades}


LG_ACCOUNTS = 60


def _chain_rows() -> Rows:
    accounts, links = [], []
    for i in range(LG_ACCOUNTS):
        acc, seen = f"LG-{i:02d}", (datetime(2025, 3, 1) + timedelta(days=i)).strftime("%Y-%m-%dT%H:%M")
        accounts.append(account(acc, seen, user_id=f"LG-U{i:02d}", country="PH"))
        # Every customer's phone was set up on the bench device of that fortnight (twelve or thirteen customers,
        # under the hub limit); the last customer of each fortnight also on the next one: one chain of strangers.
        links += [link(acc, "device_id", f"LG-BENCH-{i // 12}", seen),
                  link(acc, "kyc_doc_hash", f"LG-DOC-{i:02d}", seen)]
        if i % 12 == 11 and i + 1 < LG_ACCOUNTS:
            links.append(link(acc, "device_id", f"LG-BENCH-{i // 12 + 1}", seen))
    return {"accounts": accounts, "identity_links": links}


CASES = (
    Case("master_sub_wash", "wash-trading", False,
         "Master MS-M trades 48 times against its own sub-accounts MS-S1 and MS-S2 ($597k), buying from one and "
         "selling the same size to the other within seconds: the group's net position stays flat.",
         {"account_id": MS_MASTER}, ("2026-01-05T02:00:00Z", "2026-01-05T04:00:00Z"), _master_sub_rows),
    Case("linked_group_chain", "linked-accounts", True,
         "Sixty unrelated customers of a phone-repair shop, each with their own ID document, chained by the shop's "
         "bench devices: a device walk from LG-00 reaches all of them, which the cap must stop.",
         {"account_id": "LG-00"}, ("2025-03-01T00:00:00Z", "2025-05-01T00:00:00Z"), _chain_rows),
)
