"""The one error the test servers raise, so a missing package fails loudly with its fix."""

from __future__ import annotations

INSTALL_HINT = "bash scripts/install-test-deps.sh"


class ServerError(RuntimeError):
    """A private test server could not be started; the message says how to fix it.

    Tests must fail (never skip) when infrastructure is missing, otherwise a broken CI machine
    would look green.
    """


def missing(program: str, apt_package: str) -> ServerError:
    """Error for a program that is not installed, naming the exact install command."""
    return ServerError(
        f"{program} not found. Install it with: "
        f"apt-get install -y --no-install-recommends {apt_package}  (or run {INSTALL_HINT})"
    )


def log_tail(path: str, lines: int = 30) -> str:
    """Last lines of a server log, to make a start-up failure self-explanatory."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])
    except OSError as exc:
        return f"(no log: {exc})"
