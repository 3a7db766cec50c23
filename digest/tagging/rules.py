"""The subgroups.toml contract, read and checked: pure (no database), shared by
`subgroups import`, `jobdigest match` and the matcher's own loader."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import Any

from digest.errors import UserError


@dataclass
class RoleSpec:
    phrase: str
    synonyms: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    required: list[str] = field(default_factory=list)


SUBGROUP_KEYS = frozenset({"roles", "exclude", "leads", "description"})


@dataclass
class SubgroupSpec:
    name: str
    roles: list[RoleSpec] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    leads: list[str] = field(default_factory=list)
    description: str = ""
    #: the keys the file gave; an import leaves the others as they are
    present: frozenset[str] = SUBGROUP_KEYS


def _str_list(where: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UserError(f"{where}: expected a list of strings")
    return [v.strip() for v in value if v.strip()]


def _str(where: str, value: Any) -> str:
    if not isinstance(value, str):
        raise UserError(f"{where}: expected a string")
    return value


def _role(where: str, value: Any) -> RoleSpec:
    if isinstance(value, str):
        if not value.strip():
            raise UserError(f"{where}: empty phrase")
        return RoleSpec(phrase=value.strip())
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
    return RoleSpec(
        phrase=value["phrase"].strip(),
        **{
            k: _str_list(f"{where}.{k}", value[k])
            for k in ("synonyms", "exclude", "required")
            if k in value
        },
    )


def parse_subgroups_toml(text: str, where: str = "subgroups.toml") -> list[SubgroupSpec]:
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
    specs: list[SubgroupSpec] = []
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
            SubgroupSpec(
                name=name.strip(),
                roles=[_role(f"{at}.roles[{j}]", r) for j, r in enumerate(roles)],
                exclude=_str_list(f"{at}.exclude", table.get("exclude", [])),
                leads=[e.lower() for e in _str_list(f"{at}.leads", table.get("leads", []))],
                description=_str(f"{at}.description", table.get("description", "")),
                present=SUBGROUP_KEYS & frozenset(table),
            )
        )
    return specs
