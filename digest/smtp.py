"""The one seam where SMTP connections are made: TLS verified, login from the environment."""

from __future__ import annotations

import smtplib
import ssl

from digest.config import Config
from digest.errors import ServiceError, UserError


def _context(cfg: Config) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    if cfg.smtp.ca_file:
        path = (cfg.base_dir / cfg.smtp.ca_file).resolve()
        try:
            ctx.load_verify_locations(cafile=str(path))
        except (FileNotFoundError, ssl.SSLError) as exc:
            raise UserError(f"smtp.ca_file: cannot load {path}: {exc}") from None
    return ctx


def connect(cfg: Config, timeout: float = 60.0) -> smtplib.SMTP:
    smtp = cfg.smtp
    if not smtp.host:
        raise UserError("smtp.host is not set in the config ([smtp] section)")
    try:
        if smtp.security == "ssl":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(
                smtp.host,
                smtp.port,
                timeout=timeout,
                context=_context(cfg),
                local_hostname="localhost",
            )
        else:
            conn = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout, local_hostname="localhost")
            if smtp.security == "starttls":
                conn.starttls(context=_context(cfg))
        if smtp.username:
            conn.login(smtp.username, cfg.secret(smtp.password_env, "smtp.password_env"))
    except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
        raise ServiceError(f"SMTP {smtp.host}:{smtp.port}: {exc}") from None
    return conn
