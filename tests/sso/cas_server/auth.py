"""The test CAS server's authentication source: the accounts in the
environment variable CAS_TEST_ACCOUNTS, a JSON object of user name to
``{"password": ..., "attributes": {...}}``."""

import json
import os

from cas_server.auth import AuthUser


def _accounts() -> dict:
    return json.loads(os.environ.get("CAS_TEST_ACCOUNTS", "{}"))


class Accounts(AuthUser):
    def test_password(self, password: str) -> bool:
        account = _accounts().get(self.username)
        return bool(account) and password == account["password"]

    def attributs(self) -> dict:
        return dict(_accounts().get(self.username, {}).get("attributes", {}))
