"""duban setrole USERNAME ROLE: an operator at the console gives a role.

The way to give the first security administrator (and to recover when no
security administrator can sign in): whoever runs commands on the server acts
as the system, and the change is in the security audit log like any other.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.org.models import Person, Role
from duban.org.scope import SYSTEM
from duban.org.services import person_set_role


class Command(BaseCommand):
    help = "Give a person a role (office, leader, liaison, admin, security, auditor)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("role", choices=Role.values)

    def handle(self, *args: Any, username: str, role: str, **options: Any) -> None:
        person = Person.objects.filter(username=username).first()
        if person is None:
            raise CommandError(f"nobody signs in as {username!r}")
        if person.is_service:
            raise CommandError(f"{username!r} is a service account; it keeps its role")
        before = person.role
        person_set_role(actor=SYSTEM, person=person, role=role)
        self.stdout.write(f"{username}: {before} → {role}")
