"""The sign-in form as a person uses it, and who the session then is."""

from __future__ import annotations


def sign_in(client, username: str, password: str, *, language: str = "en"):
    return client.post(
        "/login/",
        {"username": username, "password": password, "next": "/tasks/"},
        HTTP_ACCEPT_LANGUAGE=language,
    )


def signed_in_as(client):
    """Who the session is: the account page answers (an administrator's
    account, with no inbox, too), or sends to a step of signing in still to
    take (the second factor, a new password), which is signed in as well."""
    response = client.get("/account/")
    if response.status_code == 200:
        return response.context["user"]
    if response.status_code == 302 and response.url.startswith("/account/"):
        return client.get(response.url).context["user"]
    return None
