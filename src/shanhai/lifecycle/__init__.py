"""Records with stages (reports, projects, leads, document candidates, tasks): the allowed moves per kind are
data, one `move()` checks and records each change with who, when, from, to and why."""
