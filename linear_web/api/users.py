"""API: sign up, log in (JSON or OAuth2 password form), the caller, workspace users."""
from flask import request

from ..auth.limits import login_limits
from ..services import auth as auth_service, tokens
from ..services.errors import ValidationError
from .common import Unauthorized, api_route, current_api_user, list_response, read_json_object, validate
from .schemas import ErrorOut, LoginIn, ProfilePatch, SignupIn, TokenOut, UserList, UserOut, UserQuery

FORM = "application/x-www-form-urlencoded"
LOGIN_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/LoginIn"}},
    FORM: {"schema": {"type": "object", "required": ["username", "password"], "properties": {
        "username": {"type": "string", "description": "Your email."}, "password": {"type": "string"},
        "grant_type": {"type": "string", "enum": ["password"]}}}}}},
    "responses": {"401": {"description": "Wrong email or password.",
                          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}},
                  "429": {"description": "Too many failed attempts; see Retry-After.",
                          "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}}}


@api_route("/users", methods=["POST"], body=SignupIn, response=UserOut, status=201, auth=False,
           tags=["users"])
def user_create(body: SignupIn):
    """Sign up: create an account."""
    return auth_service.signup(body.email, body.password, body.name).to_json()


def _login_input() -> LoginIn:
    if request.mimetype in (FORM, "multipart/form-data"):
        form = request.form
        return validate(LoginIn, {"email": form.get("username", form.get("email", "")),
                                  "password": form.get("password", "")})
    return validate(LoginIn, read_json_object())


@api_route("/auth/login", methods=["POST"], response=TokenOut, auth=False, tags=["auth"],
           openapi=LOGIN_BODY, extra_models=[LoginIn, ErrorOut])
@login_limits
def auth_login():
    """Log in with email and password (JSON, or the OAuth2 password form): a bearer JWT."""
    data = _login_input()
    user = auth_service.authenticate(data.email, data.password)
    if user is None:
        raise Unauthorized("Wrong email or password.")
    token, expires_in = tokens.issue_access_token(user)
    body = {"access_token": token, "token_type": "bearer", "expires_in": expires_in}
    return body, 200, {"Cache-Control": "no-store"}  # OAuth2: token responses are never cached


@api_route("/users/me", response=UserOut, tags=["users"])
def user_me():
    """The caller's account."""
    return current_api_user().to_json()


@api_route("/users/me", methods=["PATCH"], body=ProfilePatch, response=UserOut, tags=["users"],
           endpoint="user_me_update")
def user_me_update(body: ProfilePatch):
    """Change your name or handle (409 when the handle is taken)."""
    data = body.model_dump(exclude_unset=True)
    nulls = {k: "A name is required." if k == "name" else "A handle is required." for k, v in data.items() if v is None}
    if nulls:
        raise ValidationError(nulls)
    return auth_service.update_profile(current_api_user(), name=data.get("name"), handle=data.get("handle")).to_json()


@api_route("/users", query=UserQuery, response=UserList, tags=["users"])
def user_list(query: UserQuery):
    """Users who share a team with the caller, matching q in name or email (assignee pickers)."""
    return list_response(auth_service.search_users(current_api_user(), query.q, query.limit))
