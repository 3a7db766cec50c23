"""Reports for the group's people: the weekly table sheet and what the leads led to."""
