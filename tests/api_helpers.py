"""Small helpers shared by the API's tests: a person's token and a client that sends it."""

from django.test import Client

from api import tokens


def token_of(user, days=30, name="测试令牌"):
    """A new token of ``user``: its secret."""
    return tokens.issue(user, name, days)[1]


def caller(secret=None, address="127.0.0.1"):
    """A client calling the API with ``secret`` (None: without a token) from ``address``."""
    headers = {"REMOTE_ADDR": address}
    if secret:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return Client(**headers)
