"""A sub-group's rules, in the one form every part of the system uses.

`SubgroupRules` and `RoleRule` are what the matcher compiles, what `subgroups import` stores,
what `jobdigest match` and the web preview try out. They come from three places only: a
subgroups.toml (`parse_subgroups_toml`, the file contract), the database rows (`rules_of`) and the
lead's role editor (`rules_from_form`). Pure: no database access, no I/O."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from digest.errors import UserError


@dataclass(frozen=True)
class RoleRule:
    """One target role; `synonyms` are extra phrasings, `exclude` vetoes it, `required` must also occur."""

    phrase: str
    synonyms: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    required: tuple[str, ...] = ()


#: the keys of a [[subgroup]] table besides its name
SUBGROUP_KEYS = frozenset({"roles", "exclude", "leads", "description"})


@dataclass(frozen=True)
class SubgroupRules:
    """A sub-group's target roles; any `exclude` phrase in a title vetoes the whole sub-group."""

    name: str
    roles: tuple[RoleRule, ...]
    exclude: tuple[str, ...] = ()
    leads: tuple[str, ...] = ()
    description: str = ""
    #: the keys the file gave; an import leaves the others as they are (not part of the rules)
    present: frozenset[str] = field(default=SUBGROUP_KEYS, compare=False)


def _str_list(where: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UserError(f"{where}: expected a list of strings")
    return tuple(v.strip() for v in value if v.strip())


def _str(where: str, value: Any) -> str:
    if not isinstance(value, str):
        raise UserError(f"{where}: expected a string")
    return value


def _role(where: str, value: Any) -> RoleRule:
    if isinstance(value, str):
        if not value.strip():
            raise UserError(f"{where}: empty phrase")
        return RoleRule(phrase=value.strip())
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("phrase"), str)
        or not value["phrase"].strip()
    ):
        raise UserError(f"{where}: expected a phrase or a table with 'phrase'")
    unknown = set(value) - {"phrase", "synonyms", "exclude", "required"}
    if unknown:
        raise UserError(
            f"{where}: unknown key {sorted(unknown)[0]!r} (expected phrase, synonyms, exclude, required)"
        )
    return RoleRule(
        phrase=value["phrase"].strip(),
        **{
            k: _str_list(f"{where}.{k}", value[k])
            for k in ("synonyms", "exclude", "required")
            if k in value
        },
    )


def parse_subgroups_toml(text: str, where: str = "subgroups.toml") -> list[SubgroupRules]:
    """The subgroups.toml contract: [[subgroup]] with name, roles, exclude, leads, description."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{where}: not valid TOML: {exc}") from None
    extra = set(data) - {"subgroup"}
    if extra:
        raise UserError(
            f"{where}: unknown top-level key {sorted(extra)[0]!r} (expected [[subgroup]] tables)"
        )
    specs: list[SubgroupRules] = []
    seen: set[str] = set()
    for i, table in enumerate(data.get("subgroup", [])):
        at = f"{where}: subgroup[{i}]"
        if not isinstance(table, dict):
            raise UserError(f"{at}: expected a table")
        unknown = set(table) - {"name", "roles", "exclude", "leads", "description"}
        if unknown:
            raise UserError(f"{at}: unknown key {sorted(unknown)[0]!r}")
        name = table.get("name")
        if not isinstance(name, str) or not name.strip():
            raise UserError(f"{at}.name: missing or empty")
        if name.strip().casefold() in seen:
            raise UserError(f"{at}.name: duplicate sub-group {name!r}")
        seen.add(name.strip().casefold())
        roles = table.get("roles", [])
        if not isinstance(roles, list):
            raise UserError(f"{at}.roles: expected a list")
        specs.append(
            SubgroupRules(
                name=name.strip(),
                roles=tuple(_role(f"{at}.roles[{j}]", r) for j, r in enumerate(roles)),
                exclude=_str_list(f"{at}.exclude", table.get("exclude", [])),
                leads=tuple(e.lower() for e in _str_list(f"{at}.leads", table.get("leads", []))),
                description=_str(f"{at}.description", table.get("description", "")),
                present=SUBGROUP_KEYS & frozenset(table),
            )
        )
    return specs


def _role_of(row: Any) -> RoleRule:
    return RoleRule(
        phrase=row.phrase,
        synonyms=tuple(row.synonyms),
        exclude=tuple(row.exclude),
        required=tuple(row.required),
    )


def rules_of(group: Any, roles: Iterable[Any] | None = None) -> SubgroupRules:
    """A stored sub-group (its ORM row, or anything with the same attributes) as rules;
    `roles` overrides the stored roles."""
    return SubgroupRules(
        name=group.name,
        roles=tuple(_role_of(r) for r in (roles if roles is not None else group.roles)),
        exclude=tuple(group.exclude),
    )


def rules_from_form(
    name: str, rows: Iterable[Mapping[str, Any]], exclude: Iterable[str]
) -> SubgroupRules:
    """The lead's role editor (rows of phrase/synonyms/exclude/required lists) as rules."""
    roles = tuple(
        RoleRule(
            phrase=r["phrase"],
            synonyms=tuple(r["synonyms"]),
            exclude=tuple(r["exclude"]),
            required=tuple(r["required"]),
        )
        for r in rows
    )
    return SubgroupRules(name=name, roles=roles, exclude=tuple(exclude))
