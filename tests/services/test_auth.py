"""Account rules: signup validation, password limits, authentication, session versions."""
import bcrypt
import pytest

from linear_web.infra.extensions import db
from linear_web.models import User
from linear_web.services import auth
from linear_web.services.errors import Conflict, ValidationError


def _users() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(User))


def test_signup_normalises_email_and_hashes_with_bcrypt():
    user = auth.signup("  Ada@Example.COM ", "correct horse", "  Ada Lovelace ")
    assert (user.email, user.name) == ("ada@example.com", "Ada Lovelace")
    assert user.password_hash.startswith("$2") and "correct horse" not in user.password_hash
    assert bcrypt.checkpw(b"correct horse", user.password_hash.encode())


@pytest.mark.parametrize("email,password,name,fields", [
    ("not-an-email", "longenough", "Ada", {"email"}),
    ("ada@example.com", "short", "Ada", {"password"}),
    ("ada@example.com", "", "Ada", {"password"}),
    ("ada@example.com", "é" * 37, "Ada", {"password"}),          # 37 characters, 74 bytes
    ("ada@example.com", "x" * 73, "Ada", {"password"}),
    ("ada@example.com", "longenough\x00", "Ada", {"password"}),
    ("ada@example.com", "longenough", "   ", {"name"}),
    ("ada@example.com", "longenough", "x" * 101, {"name"}),
    ("", "", "", {"email", "password", "name"}),
])
def test_signup_refuses_bad_input_and_writes_nothing(email, password, name, fields):
    with pytest.raises(ValidationError) as err:
        auth.signup(email, password, name)
    assert set(err.value.details) == fields
    assert _users() == 0


def test_password_of_exactly_72_bytes_and_8_characters_is_fine():
    assert auth.signup("a@example.com", "x" * 72, "A")
    assert auth.signup("b@example.com", "12345678", "B")
    assert auth.authenticate("a@example.com", "x" * 72)
    assert auth.authenticate("a@example.com", "x" * 73) is None  # no silent truncation


def test_duplicate_email_is_a_conflict_case_insensitively():
    auth.signup("ada@example.com", "longenough", "Ada")
    with pytest.raises(Conflict) as err:
        auth.signup("ADA@example.com", "longenough", "Other")
    assert "email" in err.value.details and _users() == 1


def test_authenticate_checks_exactly_what_was_typed():
    user = auth.signup("ada@example.com", "Correct Horse", "Ada")
    assert auth.authenticate("ADA@example.com ", "Correct Horse") == user
    for wrong in ("correct horse", "Correct Horse ", "", None, "Correct\x00Horse"):
        assert auth.authenticate("ada@example.com", wrong) is None
    assert auth.authenticate("nobody@example.com", "Correct Horse") is None
    assert auth.authenticate(None, "Correct Horse") is None


def test_change_password_and_end_sessions_invalidate_old_session_ids():
    user = auth.signup("ada@example.com", "first-password", "Ada")
    old_id = user.get_id()
    assert auth.load_session_user(old_id) == user
    with pytest.raises(ValidationError) as err:
        auth.change_password(user, "wrong-password", "short")
    assert set(err.value.details) == {"current_password", "new_password"}
    auth.change_password(user, "first-password", "second-password")
    assert auth.load_session_user(old_id) is None
    assert auth.authenticate("ada@example.com", "second-password") == user
    current = user.get_id()
    auth.end_sessions(user)
    assert auth.load_session_user(current) is None and auth.load_session_user(user.get_id()) == user


@pytest.mark.parametrize("session_id", ["", "garbage", "not-a-uuid:1", None])
def test_bad_session_ids_load_nobody(session_id):
    assert auth.load_session_user(session_id) is None
