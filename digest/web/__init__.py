"""The web app for leads, members and the operator: a Flask app factory.

Pages are server-rendered (templates/web/); the only script is the live rule preview, and every
page works without it. Sign-in is by a single-use link mailed to the member, so the app stores no
passwords; a signed cookie names a server-side session (digest/web/sessions.py). What is defended
and how: docs/security.md.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, Response, render_template
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from digest.config import Config, GroupConfig
from digest.delivery.render import clean_text, templates_dir, web_url
from digest.delivery.tokens import Signer
from digest.formatting import install_filters
from digest.store.db import Database
from digest.store.groups import MAIN_GROUP
from digest.store.statuses import IntroStatus, MailStatus, MemberStatus, PostingStatus
from digest.web.companies import slug_of
from digest.web.context import (
    EXTENSION,
    WebState,
    close_db_session,
    current_member,
    known_state,
    led_subgroups,
)
from digest.web.groups import GroupPrefix
from digest.web.outbox import Outbox
from digest.web.proxies import TrustedProxies
from digest.web.ratelimit import RateLimiter
from parsers.careers import label as ats_label

SIGNIN_PER_ADDRESS = (5, 15 * 60)  # five links per address per quarter hour
SIGNIN_PER_IP = (20, 15 * 60)
ALIAS_MAILS_PER_ADDRESS = (3, 24 * 3600)  # confirmation mails to one address per day
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'self'; form-action 'self'; base-uri 'none'; object-src 'none'"
)


def create_app(config: Config, db: Database | None = None) -> Flask:
    """Refuses to start (UserError) without a secret key in the environment: never a default."""
    secret = config.signing_key()
    db = db or Database.open(config.database_url()).for_group(MAIN_GROUP)  # /; others /g/<slug>/
    app = Flask(__name__, template_folder=templates_dir(), static_folder="static")
    app.config.update(
        SECRET_KEY=secret,
        SESSION_COOKIE_NAME="jobdigest_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.web.base_url.lower().startswith("https://"),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        MAX_CONTENT_LENGTH=5 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=8 * 3600,
    )
    app.extensions[EXTENSION] = WebState(
        cfg=config,
        db=db,
        signer=Signer(secret),
        outbox=Outbox(config, db),
        limit_address=RateLimiter(db, "signin-address", *SIGNIN_PER_ADDRESS),
        limit_ip=RateLimiter(db, "signin-ip", *SIGNIN_PER_IP),
        limit_alias=RateLimiter(db, "alias-address", *ALIAS_MAILS_PER_ADDRESS),
    )
    app.wsgi_app = TrustedProxies(GroupPrefix(app.wsgi_app), config.web.trusted_proxies)  # type: ignore[method-assign]
    csrf = CSRFProtect(app)
    _register_blueprints(app, csrf)
    _register_hooks(app, config)
    return app


def _register_blueprints(app: Flask, csrf: CSRFProtect) -> None:
    from digest.web import (
        aliases,
        auth,
        companies,
        intros,
        lead,
        member,
        operator,
        reports,
        watches,
    )

    app.register_blueprint(auth.bp)
    app.register_blueprint(lead.bp)
    app.register_blueprint(watches.bp)
    app.register_blueprint(companies.bp)
    app.register_blueprint(operator.bp)
    app.register_blueprint(member.bp)
    app.register_blueprint(aliases.bp)
    app.register_blueprint(intros.bp)
    app.register_blueprint(reports.bp)
    csrf.exempt(
        member.unsubscribe
    )  # RFC 8058 one-click POSTs carry no CSRF token; the signed URL protects it


def _register_hooks(app: Flask, config: Config) -> None:
    app.teardown_appcontext(close_db_session)
    app.jinja_env.filters["clean"] = clean_text
    app.jinja_env.filters["safe_url"] = web_url  # only http(s) links become href values
    app.jinja_env.filters["web_url"] = web_url
    app.jinja_env.filters["company_slug"] = slug_of
    app.jinja_env.filters["ats_label"] = ats_label
    site = app.extensions[EXTENSION]  # the request's group's zone (its site's on a 404 page)
    install_filters(app.jinja_env, lambda: (known_state() or site).cfg.tz)
    # Templates compare statuses through the same enums as the code (no second spelling).
    app.jinja_env.globals.update(
        IntroStatus=IntroStatus, MailStatus=MailStatus, MemberStatus=MemberStatus,
        PostingStatus=PostingStatus,
    )  # fmt: skip

    @app.context_processor
    def _globals() -> dict[str, Any]:
        group = known_state()
        if group is None:  # the 404 page of a group that is not there: nobody, no names
            return {"network": GroupConfig(name="Job Lead Digest"), "me": None, "my_groups": []}
        me = current_member()
        return {
            "network": group.cfg.group,
            "me": me,
            "my_groups": led_subgroups(me) if me else [],
        }

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"  # links carry tokens in their paths
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> tuple[str, int]:
        message = (
            "This form expired or was sent from elsewhere. Go back, reload the page and try again."
        )
        return render_template("web/error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Any:
        if error.code is None or error.code < 400:
            return error
        return render_template(
            "web/error.html", code=error.code, message=error.description
        ), error.code
