"""A private Dovecot IMAP server for tests: own config, own users, own ports, own TLS CA.

Nothing of the system Dovecot is used (no /etc/dovecot, no /run/dovecot, no /var/lib/dovecot),
so it runs beside a system instance and leaves nothing behind. Pitfalls handled here were
measured on the project's machines, see docs in /work/shared/design.md ("Test infrastructure").
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from imapclient import IMAPClient

from ._lifecycle import Lifecycle
from ._net import LOOPBACK, free_port, wait_for_port
from .errors import ServerError, log_tail, missing
from .tls import TlsFiles, make_test_tls

DOVECOT = "/usr/sbin/dovecot"
APT_PACKAGE = "dovecot-imapd"
START_TIMEOUT = 15.0
START_ATTEMPTS = 3
Security = Literal["none", "ssl", "starttls"]


@dataclass(frozen=True)
class ImapAccount:
    """Credentials of one mailbox on the test server."""

    username: str
    password: str


class DovecotServer(Lifecycle):
    """One Dovecot instance on 127.0.0.1 with a plain IMAP port and an implicit-TLS port.

    Data (mail, TLS files) lives until `stop()`; `restart()` keeps it so tests can simulate a
    server restart in the middle of a session.
    """

    def __init__(
        self,
        users: dict[str, str] | None = None,
        tls: TlsFiles | None = None,
    ) -> None:
        self.users: dict[str, str] = dict(users or {"leads@example.org": "leads-secret"})
        self.host = LOOPBACK
        self.port = 0
        self.ssl_port = 0
        self._tls = tls
        self._root: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._runs = 0
        self.start_seconds = 0.0

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> DovecotServer:
        """Write the config and start Dovecot; return once both ports accept connections."""
        if not os.path.exists(DOVECOT):
            raise missing(DOVECOT, APT_PACKAGE)
        began = time.monotonic()
        atexit.register(self.stop)  # an aborted test run must not leave daemons behind
        self._prepare_files()
        for attempt in range(START_ATTEMPTS):
            self.port, self.ssl_port = free_port(), free_port()
            if self._launch():
                self.start_seconds = time.monotonic() - began
                return self
            self._terminate()
            if attempt == START_ATTEMPTS - 1 or "in use" not in log_tail(str(self.log_file)):
                break
        raise ServerError(f"dovecot did not start; log {self.log_file}:\n{self._failure_log()}")

    def restart(self) -> None:
        """Stop and start again on the same ports with the same mail (fresh base_dir)."""
        self._terminate()
        if not self._launch():
            raise ServerError(f"dovecot did not restart:\n{self._failure_log()}")

    def stop(self) -> None:
        """Stop the server and delete its files."""
        atexit.unregister(self.stop)
        self._terminate()
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None

    # -- public facts -----------------------------------------------------------------------

    @property
    def username(self) -> str:
        """The first (default) user."""
        return next(iter(self.users))

    @property
    def password(self) -> str:
        return self.users[self.username]

    @property
    def ca_file(self) -> Path:
        """PEM of the CA that signed the server certificate; clients verify against it."""
        return self.tls.ca_file

    @property
    def tls(self) -> TlsFiles:
        if self._tls is None:
            raise ServerError("DovecotServer.start() has not been called")
        return self._tls

    @property
    def log_file(self) -> Path:
        return self._folder() / "dovecot.log"

    def add_user(self, username: str, password: str) -> ImapAccount:
        """Add a user, usable at once, also while running.

        Lets each test own a fresh mailbox on the one session-wide server.
        """
        self.users[username] = password
        if self._root is not None:
            self._write_users()
        return ImapAccount(username, password)

    # -- IMAP helpers -----------------------------------------------------------------------

    def connect(self, security: Security = "none", username: str | None = None) -> IMAPClient:
        """A logged-in IMAPClient; TLS variants verify the certificate against `ca_file`."""
        context = self.tls.client_context()
        if security == "ssl":
            client = IMAPClient(self.host, self.ssl_port, ssl=True, ssl_context=context, timeout=10)
        else:
            client = IMAPClient(self.host, self.port, ssl=False, timeout=10)
            if security == "starttls":
                client.starttls(context)
        user = username or self.username
        client.login(user, self.users[user])
        return client

    def append(self, folder: str, raw: bytes, username: str | None = None) -> None:
        """Deliver one raw message into `folder` (created when missing)."""
        with self.connect(username=username) as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            client.append(folder, raw)

    def fetch_all(self, folder: str, username: str | None = None) -> list[bytes]:
        """Raw bytes of every message in `folder`, oldest UID first, without setting \\Seen."""
        with self.connect(username=username) as client:
            client.select_folder(folder, readonly=True)
            uids = sorted(client.search("ALL"))
            if not uids:
                return []
            data = client.fetch(uids, ["BODY.PEEK[]"])
            return [data[uid][b"BODY[]"] for uid in uids]

    def folders(self, username: str | None = None) -> list[str]:
        """Names of all folders of the user."""
        with self.connect(username=username) as client:
            return [name for _flags, _delim, name in client.list_folders()]

    # -- internals --------------------------------------------------------------------------

    def _folder(self) -> Path:
        if self._root is None:
            raise ServerError("DovecotServer.start() has not been called")
        return self._root

    def _prepare_files(self) -> None:
        """Temp tree readable by dovecot's unprivileged processes (mkdtemp gives 0700)."""
        if self._root is None:
            self._root = Path(tempfile.mkdtemp(prefix="dovecot-"))
            os.chmod(self._root, 0o755)
            (self._root / "mail").mkdir(mode=0o755)
        if self._tls is None:
            self._tls = make_test_tls(self._root / "tls")
        self._write_users()

    def _write_users(self) -> None:
        """One passwd-file per user, so a user added later is seen at once.

        Dovecot re-reads a changed passwd-file at most once per second; a new file per user
        avoids that wait. Passwords are plain, mail dirs belong to the uid that reads them.
        """
        uid, gid = _mail_ids()
        users_dir = self._folder() / "users"
        users_dir.mkdir(mode=0o755, exist_ok=True)
        for user, password in self.users.items():
            if set(user) & set(":/\n") or set(password) & set(":\n") or user.startswith("."):
                raise ServerError(f"dovecot test user {user!r}: ':', '/' or newline not allowed")
            home = self._folder() / "mail" / user
            if not home.exists():
                home.mkdir(mode=0o700)
                os.chown(home, uid, gid)
            user_file = users_dir / user
            user_file.write_text(f"{user}:{{PLAIN}}{password}:{uid}:{gid}::{home}::\n")
            os.chmod(user_file, 0o644)

    def _launch(self) -> bool:
        """Start the master in the foreground with a fresh base_dir; True once ports accept."""
        self._runs += 1
        base_dir = self._folder() / f"run{self._runs}"
        config = self._folder() / "dovecot.conf"
        config.write_text(self._config(base_dir))
        self._process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=self._startup_output().open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        alive = self._process_alive
        return wait_for_port(self.port, START_TIMEOUT, alive) and wait_for_port(
            self.ssl_port, START_TIMEOUT, alive
        )

    def _process_alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _startup_output(self) -> Path:
        return self._folder() / "dovecot.out"

    def _failure_log(self) -> str:
        return log_tail(str(self._startup_output())) + log_tail(str(self.log_file))

    def _terminate(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)  # children too: the master alone waits ~1 s
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)

    def _config(self, base_dir: Path) -> str:
        root = self._folder()
        return _CONFIG_TEMPLATE.format(
            base_dir=base_dir,
            state_dir=root / "state",
            log=self.log_file,
            users=root / "users" / "%u",
            port=self.port,
            ssl_port=self.ssl_port,
            cert=self.tls.cert_file,
            key=self.tls.key_file,
            instance=f"jobdigest-test-{self.port}",
            privileges=_privilege_settings(),
        )


def _mail_ids() -> tuple[int, int]:
    """Mail is stored as `nobody` when we are root (Dovecot refuses root), else as ourselves."""
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        return nobody.pw_uid, nobody.pw_gid
    return os.geteuid(), os.getegid()


def _privilege_settings() -> str:
    """As root, the packaged dovecot/dovenull users; otherwise run everything as ourselves."""
    if os.geteuid() == 0:
        return ""
    user = pwd.getpwuid(os.geteuid()).pw_name
    return (
        f"default_internal_user = {user}\ndefault_login_user = {user}\n"
        f"default_internal_group = {user}\n"
        "service anvil {\n  chroot =\n}\nservice imap-login {\n  chroot =\n}\n"
    )


_CONFIG_TEMPLATE = """\
# Private test instance: nothing from /etc/dovecot is included.
protocols = imap
listen = 127.0.0.1
base_dir = {base_dir}
state_dir = {state_dir}
instance_name = {instance}
log_path = {log}
info_log_path = {log}
shutdown_clients = yes

ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
# One bad login must not stall the other tests (default 2 s, plus anvil's penalty ~30 s).
auth_failure_delay = 0
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}

passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {users}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {users}
}}
first_valid_uid = 1
mail_location = maildir:~/Maildir:LAYOUT=fs
namespace inbox {{
  inbox = yes
  separator = /
}}

service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
    ssl = yes
  }}
}}
{privileges}"""
