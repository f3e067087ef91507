"""Test data through the service layer (so rules hold), with sequences for unique values."""
import itertools

from linear_web.infra.extensions import db
from linear_web.models import Membership
from linear_web.services import auth, projects, teams

PASSWORD = "correct-horse-battery"
# The smallest valid PNG (one transparent pixel): an upload every sniffer accepts as an image.
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
       b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND"
       b"\xaeB`\x82")
_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def user(name: str | None = None, email: str | None = None, password: str = PASSWORD):
    n = _n()
    return auth.signup(email or f"user{n}@example.com", password, name or f"User {n}")


def team(admin=None, key: str | None = None, name: str | None = None, members=(), description: str = ""):
    """A team with `admin` as admin (a new user if omitted) and `members` as plain members."""
    admin = admin or user()
    n = _n()
    key = key or "T" + _base36(n)
    t = teams.create_team(admin, key, name or f"Team {n}", description)
    for m in members:
        add_member(t, m)
    return t


def add_member(team_, member, role: str = "member") -> Membership:
    m = Membership(team_id=team_.id, user_id=member.id, role=role)
    db.session.add(m)
    db.session.commit()
    return m


def project(team_, actor=None, name: str | None = None, description: str = ""):
    actor = actor or _an_admin(team_)
    return projects.create_project(actor, team_.id, name or f"Project {_n()}", description)


def _an_admin(team_):
    from linear_web.models import User
    return db.session.scalars(db.select(User).join(Membership, Membership.user_id == User.id)
                              .where(Membership.team_id == team_.id, Membership.role == "admin")).first()


def _base36(n: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out.rjust(3, "0")


def issue(team_, actor=None, title: str | None = None, **fields):
    """An issue created through the service (numbered, with its `created` activity)."""
    from linear_web.services import issues
    actor = actor or _an_admin(team_)
    data = {"title": title or f"Issue {_n()}"}
    data.update({k: (str(v.id) if hasattr(v, "id") else v) for k, v in fields.items()})
    return issues.create_issue(actor, team_.id, data)
