"""Translations of SOPs: English is the source of truth, a translation is a sibling document.

`sops/<domain>/<id>.<lang>.yaml` maps JSON pointers of the SOP's prose fields
(`prose.py` says which fields are prose) to translated text, each with the
sha256 of the English it was translated from. Checks compare those hashes
with the English of today (`lint/translations.py`); renderers merge a
translation into the SOP's data (`translation.localize`) and build the same
model from it, so every output in the other language is made by the code
that makes the English one.
"""
