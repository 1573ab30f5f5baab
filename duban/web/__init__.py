"""Pages that compose several apps (the unit pages: a unit, its people, its
tasks and its robots). Above the record and the notifications, below operations."""
