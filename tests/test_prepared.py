"""Statements marked `prepared()` are planned once per PostgreSQL connection (PREPARE, then
EXECUTE) and answer exactly what they would unprepared; on SQLite the mark changes nothing."""
import pytest
from sqlalchemy import bindparam, literal_column, select, text

from linear_web.infra import database
from linear_web.infra.database import PREPARE, prepared
from linear_web.infra.extensions import db
from linear_web.models import User


def server_side(names) -> set[str]:
    """Which of `names` this connection has prepared (pg_prepared_statements is per connection)."""
    return set(db.session.scalars(text("SELECT name FROM pg_prepared_statements"))) & set(names)


def known():
    return db.session.connection().connection.info.get(PREPARE, {})


def test_a_prepared_statement_answers_as_the_plain_one(app, f, is_postgres):
    before = set(known())           # the pooled connection may have served other tests
    ada, bob = f.user(name="Ada Lovelace"), f.user(name="Bob Stone")
    stmt = (select(User.name, literal_column("'50%'").label("pct"))
            .where(User.name.like(bindparam("pattern")) | (User.name == bindparam("pattern")))
            .order_by(User.name))
    for pattern in ("A%", "%o%", "Bob Stone", "A%", "%o%", "Nobody", "%", "%"):  # past PostgreSQL's 5 custom plans
        plain = db.session.execute(stmt, {"pattern": pattern}).all()
        assert db.session.execute(prepared(stmt), {"pattern": pattern}).all() == plain
        assert all(pct == "50%" for _, pct in plain)            # a literal % survives the $n rewrite
    assert [n for n, _ in db.session.execute(prepared(stmt), {"pattern": "%o%"})] == [ada.name, bob.name]
    if not is_postgres:
        assert known() == {}
        return
    # This test's statement: others may be new too (at the cap, statements evicted before are prepared again).
    [(name, order)] = [found for sql, found in known().items() if sql not in before and "pct" in sql]
    assert order == ["pattern"]                                  # one parameter used twice: one $1
    assert server_side([name]) == {name}


@pytest.mark.usefixtures("app")
def test_prepared_statements_are_capped_and_made_again_on_a_new_connection(is_postgres, monkeypatch):
    if not is_postgres:
        pytest.skip("PostgreSQL only: SQLite runs every statement as it is")
    already = len(known())          # the pooled connection may have served other tests
    monkeypatch.setattr(database, "PREPARED_PER_CONNECTION", already + 2)
    for n in range(4):
        assert db.session.execute(prepared(select(literal_column(str(n + 1000)).label("n")))).scalar() == n + 1000
    assert len(known()) == already + 2                           # the third and fourth ran unprepared
    db.session.connection().invalidate()                          # the server forgets; so must we
    db.session.rollback()
    # Whichever pooled connection comes next, what it believes prepared is what its server has.
    assert db.session.execute(prepared(select(literal_column("1000").label("n")))).scalar() == 1000
    names = [name for name, _ in known().values()]
    assert names and server_side(names) == set(names)
