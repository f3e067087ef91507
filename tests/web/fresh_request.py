"""Each test request gets a fresh `g`, as in production.

tests/conftest.py keeps one app context open per test, and Flask reuses it for requests made
inside it: without this, `g._login_user` (flask-login's cached user) and other per-request values
would leak from one request into the next, even across clients.
"""
import pytest
from flask import g, request_started


def _clear_g(sender, **extra):
    for name in list(vars(g)):
        delattr(g, name)


@pytest.fixture(autouse=True)
def fresh_g(app):
    """Autouse in the modules that import it."""
    request_started.connect(_clear_g, app)
    yield
    request_started.disconnect(_clear_g, app)
