"""The roster: members (CSV) and sub-groups (TOML) imported and exported, idempotent and
all-or-nothing, with errors by line and column."""
