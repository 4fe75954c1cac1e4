"""Signed approvals: a statement, an Ed25519 signature over it, and its verification.

The model is sigstore's: what is signed is a small statement that names
exactly what the approver saw and decided (the run, the skill's digest, the
step, approve or refuse, the note, the time and the hash of the record's last
line at that moment), serialised canonically; the envelope carries the
statement, the public key and the signature. Verifying is the reverse and
needs nothing but the envelope: the key says who signed, the registry says
whether that key may approve (`compiler/approvers.py`), the record says
whether the statement fits this run and this moment (`answers.signed_problems`).

All cryptography is `cryptography`'s Ed25519; nothing here is hand-made.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

STATEMENT_TYPE = "https://sopc.dev/approval/v1"
"""Names the statement format; signing it too keeps a signature from meaning anything else."""
KEY_PREFIX = "ed25519:"
DECISIONS = ("approve", "refuse")
STATEMENT_FIELDS = ("_type", "run_id", "skill_digest", "step", "role", "decision", "note", "approver", "time", "head")


def canonical(statement: Mapping[str, Any]) -> bytes:
    """The bytes that are signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def public_text(key: Ed25519PublicKey) -> str:
    """A public key as the registry writes it: ed25519:<base64 of the 32 raw bytes>."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return KEY_PREFIX + base64.b64encode(raw).decode()


def public_key(text: str) -> Ed25519PublicKey:
    """The key of an ed25519:<base64> text; ValueError when it is not one."""
    if not isinstance(text, str) or not text.startswith(KEY_PREFIX):
        raise ValueError("a public key is written ed25519:<base64 of 32 bytes>")
    try:
        raw = base64.b64decode(text[len(KEY_PREFIX):], validate=True)
    except (binascii.Error, ValueError) as err:
        raise ValueError("the key is not valid base64") from err
    if len(raw) != 32:
        raise ValueError(f"an Ed25519 public key is 32 bytes, this one is {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def statement(*, run_id: str, skill_digest: str, step: str, role: str, approved: bool, note: str | None,
              approver: str, time: str, head: str) -> dict[str, Any]:
    """What an approver signs."""
    return {"_type": STATEMENT_TYPE, "run_id": run_id, "skill_digest": skill_digest, "step": step, "role": role,
            "decision": "approve" if approved else "refuse", "note": note, "approver": approver, "time": time,
            "head": head}


def sign(key: Ed25519PrivateKey, claims: Mapping[str, Any]) -> dict[str, Any]:
    """The envelope: statement, public key and signature."""
    return {"statement": dict(claims), "key": public_text(key.public_key()),
            "signature": base64.b64encode(key.sign(canonical(claims))).decode()}


def envelope_problems(envelope: Any) -> list[str]:
    """Why a value is not a well-formed envelope (empty when it is); says nothing yet of who signed it."""
    if not isinstance(envelope, dict) or set(envelope) != {"statement", "key", "signature"}:
        return ["a signed approval has exactly statement, key and signature (as sopc approve writes it)"]
    claims = envelope["statement"]
    if not isinstance(claims, dict) or set(claims) != set(STATEMENT_FIELDS) or claims["_type"] != STATEMENT_TYPE:
        return ["the signed statement is not an sopc approval statement"]
    if claims["decision"] not in DECISIONS or not all(
            isinstance(claims[k], str) for k in STATEMENT_FIELDS if k != "note") \
            or not isinstance(claims["note"], str | None):
        return ["the signed statement has a field of the wrong type"]
    if not isinstance(envelope["key"], str) or not isinstance(envelope["signature"], str):
        return ["the key and the signature are text"]
    return []


def signature_holds(envelope: Mapping[str, Any]) -> bool:
    """Whether the signature was made over this very statement by the envelope's key."""
    try:
        key = public_key(envelope["key"])
        signature = base64.b64decode(envelope["signature"], validate=True)
        key.verify(signature, canonical(envelope["statement"]))
    except (ValueError, binascii.Error, InvalidSignature, KeyError, TypeError):
        return False
    return True


# -- key files (the only IO here) ----------------------------------------------


def new_key_file(path: Path) -> Ed25519PrivateKey:
    """Write a new private key (PKCS#8 PEM, mode 0600) to a file that must not exist yet."""
    key = Ed25519PrivateKey.generate()
    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # FileExistsError: never overwritten
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        with os.fdopen(fd, "wb") as handle:
            fd = -1
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        if fd >= 0:
            os.close(fd)
        path.unlink(missing_ok=True)
        raise
    return key


def read_key_file(path: Path) -> Ed25519PrivateKey:
    """A private key written by `sopc keys new`; ValueError with the reason when it is not one."""
    data = path.read_bytes()
    if len(data) > 16_384:
        raise ValueError("not a key file (too large)")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as err:
        raise ValueError("not an unencrypted PEM private key") from err
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 key")
    return key
