from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from duban.api.tokens import token_create


class Api:
    """A program calling /api/v1/ with one person's token."""

    def __init__(self, person, *, write: bool = True, language: str = "en") -> None:
        self.secret = token_create(actor=person, name="test", days=30, can_write=write).secret
        self.client = Client(HTTP_ACCEPT_LANGUAGE=language)
        self.headers = {"Authorization": f"Bearer {self.secret}"}

    def get(self, path: str, **headers: str) -> Any:
        return self.client.get(f"/api/v1{path}", headers={**self.headers, **headers})

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.client.post(
            f"/api/v1{path}",
            json.dumps(body or {}),
            content_type="application/json",
            headers={**self.headers, **headers},
        )

    def patch(self, path: str, body: Any, **headers: str) -> Any:
        return self.client.patch(
            f"/api/v1{path}",
            json.dumps(body),
            content_type="application/json",
            headers={**self.headers, **headers},
        )


@pytest.fixture
def api(db):
    return Api
