"""Signed link tokens: written by our own signer, byte for byte what itsdangerous writes (its
serializer verifies them), for every purpose and shape of data digests and pages sign."""

from __future__ import annotations

import time

import pytest
from itsdangerous import URLSafeTimedSerializer

from digest.delivery.tokens import SALTS, Signer

SECRET = "token-test-secret-0123456789"
DATA = [
    0,
    7,
    123456789,
    [1, 2, 3],
    [123, 45678, 9],
    "x" * 40,
    "José Müller",
    {"member": 5, "period": "2026-W48"},
]


def _both(purpose: str, data: object) -> tuple[str, str]:
    """Ours and itsdangerous' token, signed in the same second (tokens carry the second)."""
    signer = Signer(SECRET)
    reference = URLSafeTimedSerializer(SECRET, salt=SALTS.get(purpose, purpose))
    for _ in range(5):
        before, ours, theirs, after = (
            time.time(),
            signer.dumps(purpose, data),
            reference.dumps(data),
            time.time(),
        )
        if int(before) == int(after):
            return ours, theirs
    raise AssertionError("the clock moved a second during every try")


@pytest.mark.parametrize("purpose", [*SALTS, "some-new-purpose"])
@pytest.mark.parametrize("data", DATA, ids=repr)
def test_tokens_are_what_itsdangerous_writes(purpose: str, data: object) -> None:
    ours, theirs = _both(purpose, data)
    assert ours == theirs
    assert Signer(SECRET).loads(purpose, ours) == data


def test_a_token_for_one_purpose_does_not_verify_for_another() -> None:
    token = Signer(SECRET).dumps("unsubscribe", 5)
    assert Signer(SECRET).loads("preferences", token) is None
    assert Signer(SECRET + "x").loads("unsubscribe", token) is None
