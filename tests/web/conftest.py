"""Fixtures shared by the page tests."""
import pytest


@pytest.fixture
def team(f):
    """ENG with Ada Lovelace (admin) and Bob Stone (member): (team, admin, bob)."""
    admin = f.user(name="Ada Lovelace")
    bob = f.user(name="Bob Stone")
    t = f.team(admin, key="ENG", members=[bob])
    return t, admin, bob


def hx(target: str) -> dict:
    """Headers of an htmx request aimed at one fragment."""
    return {"HX-Request": "true", "HX-Target": target}
