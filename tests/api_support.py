"""Clients of the API: a user's token in the Authorization header, as an ERP would send it."""

from rest_framework.test import APIClient

from helpdesk.api.tokens import token_create


def token_client(user, scopes: tuple[str, ...] = ("read", "act")) -> APIClient:
    """An API client carrying a fresh token of ``user`` with ``scopes``."""
    client = APIClient()
    secret = token_create(user=user, name="test", scopes=list(scopes)).secret
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]
