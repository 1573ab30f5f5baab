"""The sign-in form as a person uses it, and who the session then is."""

from __future__ import annotations


def sign_in(client, username: str, password: str, *, language: str = "en"):
    return client.post(
        "/login/",
        {"username": username, "password": password, "next": "/tasks/"},
        HTTP_ACCEPT_LANGUAGE=language,
    )


def signed_in_as(client):
    response = client.get("/inbox/")
    return response.context["user"] if response.status_code == 200 else None
