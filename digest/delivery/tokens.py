"""Signed, expiring tokens for links in digests (feedback, preferences, unsubscribe) and sign-in."""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from digest.config import Config

LINK_MAX_AGE = 60 * 60 * 24 * 90  # digest links work for 90 days


class Signer:
    def __init__(self, secret: str) -> None:
        if len(secret) < 16:
            raise ValueError("secret key must be at least 16 characters")
        self._secret = secret
        self._serializers: dict[str, URLSafeTimedSerializer] = {}

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        """One per purpose (the salt): building them costs more than signing with them."""
        found = self._serializers.get(purpose)
        if found is None:
            found = self._serializers[purpose] = URLSafeTimedSerializer(self._secret, salt=purpose)
        return found

    @classmethod
    def from_config(cls, cfg: Config) -> Signer:
        return cls(cfg.signing_key())

    def dumps(self, purpose: str, data: Any) -> str:
        return self._serializer(purpose).dumps(data)

    def loads(self, purpose: str, token: str, max_age: int = LINK_MAX_AGE) -> Any | None:
        """The signed data, or None when the token is forged, for another purpose, or expired."""
        try:
            return self._serializer(purpose).loads(token, max_age=max_age)
        except (BadSignature, SignatureExpired):
            return None
