"""The migrations match the models, and they go down to nothing and back up again."""
import ast
import os
import secrets
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy.engine import make_url

from linear_web import create_app
from linear_web.config import ROOT, database_url
from linear_web.config import TestConfig as AppConfig  # not a test class
from linear_web.infra.extensions import db

from . import factories

BASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = BASE_URL.startswith(("postgres://", "postgresql"))
MODEL_TABLES = {"users", "api_keys", "teams", "memberships", "projects", "issues", "issue_aliases",
                "labels", "issue_labels", "issue_relations", "issue_parents",
                "comments", "activities", "attachments", "idempotency_records", "cycles", "cycle_changes"}


def env_include_object():
    """migrations/env.py's include_object (and what it refers to), without running env.py."""
    source = (ROOT / "migrations" / "env.py").read_text()
    wanted = [node for node in ast.parse(source).body
              if (isinstance(node, ast.FunctionDef) and node.name == "include_object")
              or (isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "SEARCH_OBJECTS"
                                                       for t in node.targets))]
    namespace: dict = {}
    exec(compile(ast.Module(body=wanted, type_ignores=[]), "migrations/env.py", "exec"), namespace)
    return namespace["include_object"]


def schema_diff(metadata: sa.MetaData) -> list:
    """Autogenerate's differences between the migrated test database and `metadata`."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "include_object": env_include_object(), "compare_type": True})
        return compare_metadata(context, metadata)


def test_migrations_match_the_models():
    assert schema_diff(db.metadata) == []


def test_the_comparison_notices_a_model_change():
    changed = sa.MetaData(naming_convention=db.metadata.naming_convention)
    for table in db.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["issues"].append_column(sa.Column("story_points", sa.Integer, nullable=True))
    diff = schema_diff(changed)
    assert [(d[0], d[2], d[3].name) for d in diff] == [("add_column", "issues", "story_points")]


def test_search_objects_are_hidden_from_autogenerate():
    include = env_include_object()
    for name in ("issues_fts", "issues_fts_data", "search_vector", "ix_issues_search_vector"):
        assert include(None, name, "table", True, None) is False
    assert include(None, "issues", "table", True, None) is True


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not ON_POSTGRES, reason="the suite runs on SQLite (set TEST_DATABASE_URL for PostgreSQL)"))])
def scratch_app(request, tmp_path):
    """An app on its own empty database (an SQLite file, or a scratch PostgreSQL database)."""
    if request.param == "sqlite":
        url, cleanup = f"sqlite:///{tmp_path / 'scratch.db'}", (lambda: None)
    else:
        url, cleanup = _scratch_postgres()
    scratch = create_app(AppConfig(url, tempfile.mkdtemp(dir=tmp_path)))
    try:
        with scratch.app_context():
            yield scratch
            db.session.remove()
            db.engine.dispose()
    finally:
        cleanup()


def _scratch_postgres():
    """Create lw_scratch_<random> beside the test database; return its URL and a drop function."""
    import psycopg2
    admin = make_url(database_url(BASE_URL)).set(database="postgres", drivername="postgresql")
    name = f"lw_scratch_{secrets.token_hex(4)}"

    def run(sql: str, *args) -> None:
        conn = psycopg2.connect(admin.render_as_string(hide_password=False))
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql, args or None)
        conn.close()

    def drop() -> None:
        run("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", name)
        run(f'DROP DATABASE IF EXISTS "{name}"')

    run(f'CREATE DATABASE "{name}"')
    return admin.set(database=name).render_as_string(hide_password=False), drop


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def _search_finds(word: str) -> int:
    """How many issues the dialect's full-text machinery (FTS5 or tsvector) finds for `word`."""
    query = ("SELECT count(*) FROM issues_fts WHERE issues_fts MATCH :word"
             if db.engine.dialect.name == "sqlite" else
             "SELECT count(*) FROM issues WHERE search_vector @@ to_tsquery('english', :word)")
    return db.session.execute(sa.text(query), {"word": word}).scalar()


def test_downgrade_to_base_then_upgrade(scratch_app):
    upgrade()
    assert MODEL_TABLES <= _tables()
    downgrade(revision="base")
    assert _tables() <= {"alembic_version"}
    upgrade()
    assert MODEL_TABLES <= _tables()
    factories.issue(factories.team(), title="Flaky migration test")
    assert _search_finds("migration") == 1
    assert schema_diff(db.metadata) == []


def test_one_step_down_and_up_keeps_search_and_the_schema(scratch_app):
    """0010 adds issues.cycle_id without copying `issues` (SQLite's full-text triggers live on it)."""
    upgrade()
    factories.issue(factories.team(), title="Searchable before the cycles")
    downgrade(revision="0009")
    assert "cycles" not in _tables()
    upgrade()
    factories.issue(factories.team(), title="Searchable after the cycles")
    assert _search_finds("searchable") == 2
    assert schema_diff(db.metadata) == []


def test_deleting_a_cycle_row_takes_its_issues_out_of_it(scratch_app):
    """issues.cycle_id's ON DELETE SET NULL as migrated (autogenerate cannot compare it on SQLite)."""
    from linear_web.models import Issue
    from linear_web.services import cycles
    upgrade()
    team = factories.team()
    admin = factories._an_admin(team)
    cycle = cycles.create_cycle(admin, team.id, {"starts_on": "2099-01-05", "ends_on": "2099-01-18"}).cycle
    issue = factories.issue(team, admin, cycle_id=str(cycle.id))
    db.session.execute(sa.text("DELETE FROM cycles"))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Issue, issue.id).cycle_id is None


def test_migrations_have_a_single_head():
    from alembic.script import ScriptDirectory
    from alembic.config import Config as AlembicConfig
    config = AlembicConfig(str(Path(ROOT, "migrations", "alembic.ini")))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}"
