"""Bearer credentials for the API and API sockets: HS256 JWTs and personal API keys."""
from datetime import timedelta

import jwt
from flask import current_app

from ..infra.database import PREPARE
from ..infra.extensions import db
from ..models import User, utcnow
from .api_keys import PREFIX, user_for_api_key
from .validation import parse_uuid

ALGORITHM = "HS256"


def issue_access_token(user: User) -> tuple[str, int]:
    """A signed JWT for the user and its lifetime in seconds.

    `sv` carries the session version, so a password change or "log out everywhere" ends tokens too.
    """
    lifetime = int(current_app.config.get("ACCESS_TOKEN_EXPIRE_MINUTES", 30)) * 60
    now = utcnow()
    claims = {"sub": str(user.id), "iat": now, "exp": now + timedelta(seconds=lifetime),
              "sv": user.session_version}
    return jwt.encode(claims, current_app.config["SECRET_KEY"], algorithm=ALGORITHM), lifetime


def user_for_token(token) -> User | None:
    """The user a JWT or an `lw_…` API key stands for; None when it is invalid in any way."""
    if not isinstance(token, str) or not token or "\x00" in token:
        return None
    if token.startswith(PREFIX):
        return user_for_api_key(token)
    try:
        claims = jwt.decode(token, current_app.config["SECRET_KEY"], algorithms=[ALGORITHM],
                            options={"require": ["sub", "exp"]})
    except jwt.PyJWTError:
        return None
    uid = parse_uuid(claims.get("sub"))
    # Every API request: planned once per connection (infra/database.prepared).
    user = db.session.get(User, uid, execution_options={PREPARE: True}) if uid else None
    if user is None or ("sv" in claims and claims["sv"] != user.session_version):
        return None
    return user
