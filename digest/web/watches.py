"""Career sites leads watch: the list with health, add from any careers URL, remove, and the
members' target companies nobody watches yet. Adding stores the watch only; the fetch job
reads it (web requests never run pipeline work)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from digest.errors import UserError
from digest.sources.watches import add_watch, list_watches, remove_watch, unwatched_targets
from digest.store.models import Member, Source
from digest.web.context import current_member, db_session, led_subgroups, signin_required
from digest.web.forms import ActionForm, WatchForm

bp = Blueprint("watches", __name__, url_prefix="/lead/watches")


def _lead() -> Member:
    """Leads and the operator may manage watches; 403 for everyone else."""
    member = current_member()
    if member is None or not (member.is_operator or led_subgroups(member)):
        abort(403)
    return member


def suggestions_for(member: Member) -> list[Any]:
    """Target companies without a known careers site, of the members this lead looks after."""
    if member.is_operator:
        return unwatched_targets(db_session())
    ids = {m.id for g in led_subgroups(member) for m in g.members}
    return unwatched_targets(db_session(), sorted(ids))


def _page(form: WatchForm, code: int = 200) -> Any:
    member = _lead()
    return render_template(
        "web/lead/watches.html",
        form=form,
        watches=list_watches(db_session()),
        suggestions=suggestions_for(member),
    ), code


@bp.get("/")
@signin_required
def index() -> Any:
    return _page(WatchForm())


@bp.post("/")
@signin_required
def add() -> Any:
    _lead()
    form = WatchForm()
    if not form.validate():
        return _page(form, 400)
    try:
        source, created = add_watch(db_session(), form.name.data or "", form.url.data or "")
    except UserError as exc:
        form.url.errors = [str(exc).removeprefix("watch add: ")]
        return _page(form, 400)
    db_session().commit()
    verb = "Watching" if created else "Already watching"
    flash(f"{verb} {source.name}; its jobs arrive with the next fetch.")
    return redirect(url_for("watches.index"))


@bp.post("/<int:source_id>/remove")
@signin_required
def remove(source_id: int) -> Any:
    _lead()
    if not ActionForm().validate():
        abort(400)
    source = db_session().get(Source, source_id)
    if source is None or source.origin != "watch" or source.removed_at is not None:
        abort(404)
    remove_watch(db_session(), str(source_id))
    db_session().commit()
    flash(f"No longer watching {source.name}. Its postings stay.")
    return redirect(url_for("watches.index"))
