"""Values the portal hands a browser and takes back unchanged: signed with a key for one purpose,
derived from ``settings.secret_key``, and refused once too old or changed."""

from __future__ import annotations

import base64
import hmac
import json
import time
import zlib
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _key(secret_key: str, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        secret_key.encode()
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret_key: str, purpose: str, value: Any, *, now: float | None = None) -> str:
    """``value`` (JSON), compressed and signed, with the moment it was signed."""
    body = zlib.compress(json.dumps([now or time.time(), value], separators=(",", ":")).encode())
    mac = hmac.digest(_key(secret_key, purpose), body, "sha256")
    return f"{_b64(body)}.{_b64(mac)}"


MAX_SIGNED = 1_000_000


def unsign(
    secret_key: str, purpose: str, token: str, *, max_age: float, now: float | None = None
) -> Any | None:
    """The signed value, or ``None`` when the token was not signed for ``purpose`` with this key,
    was changed, or is older than ``max_age`` seconds."""
    body_text, _, mac_text = token.partition(".")
    if not body_text or not mac_text or len(token) > MAX_SIGNED:
        return None
    try:
        body, mac = _unb64(body_text), _unb64(mac_text)
    except ValueError:
        return None
    if not hmac.compare_digest(mac, hmac.digest(_key(secret_key, purpose), body, "sha256")):
        return None
    signed_at, value = json.loads(zlib.decompress(body))
    if not 0 <= (now or time.time()) - signed_at <= max_age:
        return None
    return value
