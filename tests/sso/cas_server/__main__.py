"""``python -m tests.sso.cas_server PORT``: migrate the test CAS server's
database, allow duban's test service (releasing the attributes duban reads)
and serve on 127.0.0.1:PORT until stopped."""

import os
import sys

import django
from django.core.management import call_command

# The service duban's test client is: http://testserver/login/cas/?next=...
SERVICE = r"^http://testserver/login/cas/(\?.*)?$"
RELEASED = ("displayName", "mail", "employeeNumber")


def main(port: str) -> None:
    # Not duban's, which pytest-django puts in the environment the tests start it from.
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.sso.cas_server.settings"
    django.setup()
    call_command("migrate", verbosity=0, interactive=False)

    from cas_server.models import ReplaceAttributName, ServicePattern

    duban, _ = ServicePattern.objects.get_or_create(name="duban", defaults={"pattern": SERVICE})
    for name in RELEASED:
        ReplaceAttributName.objects.get_or_create(name=name, replace="", service_pattern=duban)
    call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, use_threading=True)


if __name__ == "__main__":
    main(sys.argv[1])
