"""The risk domains an SOP can belong to; each is a folder under sops/ and a section of the site."""

from __future__ import annotations

DOMAIN_TITLES = {
    "market-abuse": "Market abuse",
    "derivatives": "Derivatives",
    "market-incidents": "Market incidents",
    "user-risk": "User risk",
    "p2p": "P2P",
    "account-security": "Account security",
    "financial-crime": "Financial crime",
    "ai-operations": "AI operations",
    "incident": "Incident response",
}
"""Domain id -> human name, in the order the site lists them. Keep in step with schema/sop.schema.json."""

DOMAINS = tuple(DOMAIN_TITLES)
