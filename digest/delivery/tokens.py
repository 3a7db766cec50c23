"""Signed, expiring tokens for links in digests and mails: one purpose each.

A token names what it may do, and is refused for anything else: the purpose is the signature's
salt, so a token signed for one purpose does not verify under another. The purposes:

    view            the web copy of a digest ("see N more on the site"): read-only
    preferences     the member's preferences page (change settings and aliases)
    unsubscribe     the unsubscribe page and RFC 8058 one-click POST
    feedback        one posting's feedback buttons (confirm page, then POST): older digests
    feedback-member every feedback button of one member's digest: the token proves the member,
                    the posting id and verdict ride in the path (/feedback/<token>/<id>/<kind>),
                    and the web app accepts only postings offered to that member
    alias-confirm   confirms that a member owns an extra address (mailed to that address)
    signin          a one-time sign-in link
    intro-ask       asking one inside contact for an introduction at one posting (confirm, POST)
    intro-answer    the contact's answer to one introduction request (confirm, POST)
    landing         the "where did you land?" form after "Hired" feedback on one posting

Digests used to carry a preferences token in their web digest link ("see N more"), so a
forwarded digest handed its reader the member's settings for 90 days. Those generic tokens were signed with the salt
"preferences"; preferences tokens now use a new salt, so every old generic token stops working,
and `is_legacy` lets the web app tell such a link ("expired, here is how to get a new one")
from a forged one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import zlib
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from digest.config import Config

LINK_MAX_AGE = 60 * 60 * 24 * 90  # digest links work for 90 days
#: purpose -> salt. Unknown purposes sign with their own name as the salt.
SALTS = {
    "view": "digest-view",
    "preferences": "preferences-2",
    "unsubscribe": "unsubscribe",
    "feedback": "feedback",
    "feedback-member": "feedback-member",
    "alias-confirm": "alias-confirm",
    "signin": "signin",
    "intro-ask": "intro-ask",
    "intro-answer": "intro-answer",
    "landing": "landing",
}
#: the salt of the generic tokens of older digests (preferences and the web digest alike)
LEGACY_SALT = "preferences"


class Signer:
    def __init__(self, secret: str) -> None:
        if len(secret) < 16:
            raise ValueError("secret key must be at least 16 characters")
        self._secret = secret
        self._serializers: dict[str, URLSafeTimedSerializer] = {}
        self._keys: dict[str, bytes] = {}

    def _serializer(self, salt: str) -> URLSafeTimedSerializer:
        """One per salt: building them costs more than signing with them."""
        found = self._serializers.get(salt)
        if found is None:
            found = self._serializers[salt] = URLSafeTimedSerializer(self._secret, salt=salt)
        return found

    @classmethod
    def from_config(cls, cfg: Config) -> Signer:
        return cls(cfg.signing_key())

    def dumps(self, purpose: str, data: Any) -> str:
        """The token `URLSafeTimedSerializer(secret, salt).dumps(data)` writes, byte for byte
        (a test compares them; `loads` verifies with it), without the signer objects and key
        derivation it makes on every call: a digest signs four links per member."""
        salt = SALTS.get(purpose, purpose)
        key = self._keys.get(salt)
        if key is None:  # itsdangerous' default: "django-concat" with SHA-1
            key = self._keys[salt] = hashlib.sha1(
                salt.encode("utf-8") + b"signer" + self._secret.encode("utf-8")
            ).digest()
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        compressed = zlib.compress(payload)
        if len(compressed) < len(payload) - 1:
            payload = b"." + _base64(compressed)
        else:
            payload = _base64(payload)
        now = int(time.time())
        value = payload + b"." + _base64(now.to_bytes((now.bit_length() + 7) // 8, "big"))
        return (value + b"." + _base64(hmac.digest(key, value, "sha1"))).decode("ascii")

    def loads(self, purpose: str, token: str, max_age: int = LINK_MAX_AGE) -> Any | None:
        """The signed data, or None when the token is forged, for another purpose, or expired."""
        try:
            return self._serializer(SALTS.get(purpose, purpose)).loads(token, max_age=max_age)
        except (BadSignature, SignatureExpired):
            return None

    def is_legacy(self, token: str) -> bool:
        """True for a genuine generic link of an older digest (of any age): worth a page that
        says how to get a new link, where a forged token only gets 'not valid'."""
        try:
            self._serializer(LEGACY_SALT).loads(token)
        except (BadSignature, SignatureExpired):
            return False
        return True


def _base64(data: bytes) -> bytes:
    """itsdangerous' encoding: URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=")
