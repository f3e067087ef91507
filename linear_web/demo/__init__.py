"""Demo workspace for `flask --app wsgi seed-demo` (idempotent)."""
from sqlalchemy import select

from ..infra.extensions import db
from ..models import User
from .issues import seed_issues
from ..services import auth, projects, teams

DEMO_PASSWORD = "demo-password-1"
DEMO_USERS = [("Ada Lovelace", "ada@example.com"), ("Grace Hopper", "grace@example.com"),
              ("Linus Torvalds", "linus@example.com")]


def _user(name: str, email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    return user or auth.signup(email, DEMO_PASSWORD, name)


def seed_demo(issue_count: int = 300):
    """Create users, teams, projects (and issues, once per team); yields lines to print."""
    ada, grace, linus = (_user(n, e) for n, e in DEMO_USERS)
    from ..models import Team
    existing = {t.key for t in db.session.scalars(select(Team))}
    if "ENG" not in existing:
        eng = teams.create_team(ada, "ENG", "Engineering", "Builds and runs the product.")
        teams.update_team(ada, eng.id, estimates="fibonacci")
        teams.add_member(ada, eng.id, email=grace.email, role="admin")
        teams.add_member(ada, eng.id, email=linus.email)
        for name, desc in (("Web app", "The browser UI."), ("API v1", "Integrations and the public API.")):
            projects.create_project(ada, eng.id, name, desc)
    if "DES" not in existing:
        des = teams.create_team(grace, "DES", "Design", "Interface, brand and research.")
        teams.update_team(grace, des.id, estimates="tshirt")
        teams.add_member(grace, des.id, email=ada.email)
        projects.create_project(grace, des.id, "Design system", "Tokens, components and docs.")
    yield from seed_issues(issue_count)
    yield "Demo workspace ready. Log in with any of these (password: %s):" % DEMO_PASSWORD
    for name, email in DEMO_USERS:
        yield f"  {email}  ({name})"
