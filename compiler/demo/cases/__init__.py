"""Injected cases, one module per area; each module exports CASES."""

from __future__ import annotations

from compiler.demo.cases import (
    account_security,
    ai_operations,
    campaigns,
    coordination,
    derivatives,
    linked_groups,
    market_abuse,
    market_incidents,
    p2p,
    p2p_networks,
    user_risk,
)
from compiler.demo.catalog import Case

ALL: tuple[Case, ...] = (
    *market_abuse.CASES,
    *coordination.CASES,
    *derivatives.CASES,
    *market_incidents.CASES,
    *user_risk.CASES,
    *campaigns.CASES,
    *linked_groups.CASES,
    *account_security.CASES,
    *p2p.CASES,
    *p2p_networks.CASES,
    *ai_operations.CASES,
)
