"""API plumbing shared by every endpoint: `api_route` (Bearer auth, JSON body and query validation,
OpenAPI records), `current_api_user` and `list_response`.

Choices the contract leaves open: a body sent with a non-JSON Content-Type gets 415; duplicate keys,
NaN/Infinity and nesting deeper than Python can parse get 400; unknown keys get 422 naming them.
"""
from __future__ import annotations

import json
import typing
from functools import wraps

from flask import Response, g, jsonify, make_response, request
from pydantic import BaseModel, ValidationError as PydanticError
from werkzeug.exceptions import RequestEntityTooLarge

from ..infra.extensions import db
from ..services import tokens
from ..services.errors import NotFound, ServiceError, ValidationError
from . import bp

# Every operation registered through api_route, in registration order (read by the OpenAPI builder).
OPERATIONS: list[dict] = []


class BadRequest(ServiceError):
    status = 400
    code = "bad_request"
    default_message = "The request body must be a JSON object."


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"
    default_message = "A valid bearer token is required."


class UnsupportedMediaType(ServiceError):
    status = 415
    code = "unsupported_media_type"
    default_message = "Send the body as application/json."


def current_api_user():
    """The user authenticated by the Bearer token of this API request."""
    return g.api_user


def list_response(items, next_cursor: str | None = None) -> dict:
    """The list shape of the API contract: {"items": [...], "next_cursor": ...}; models are serialised."""
    return {"items": [i.to_json() if hasattr(i, "to_json") else i for i in items], "next_cursor": next_cursor}


def bearer_user():
    """The user of the Authorization: Bearer header; Unauthorized otherwise (never the session cookie)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send Authorization: Bearer <token or API key>.")
    user = tokens.user_for_token(token.strip())
    if user is None:
        raise Unauthorized("The token is invalid, expired or revoked.")
    return user


def read_without_transaction() -> None:
    """This request's statements run in autocommit: no BEGIN and ROLLBACK round trips around its
    reads (two of a read's five round trips to PostgreSQL). Each statement sees what was committed
    when it started, as it does inside a READ COMMITTED transaction, so reads answer the same.
    A write a GET makes (an API key's last use) is one statement, committed as it runs."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def _no_duplicates(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise BadRequest(f"The key {key!r} appears twice in one object.")
        obj[key] = value
    return obj


def read_json_object() -> dict:
    """The request body as a JSON object; 415 for another Content-Type, 400 when it is not an object."""
    mimetype = request.mimetype
    if mimetype and mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(f"Send the body as application/json, not {mimetype}.")
    raw = request.get_data(cache=True)  # bounded by MAX_CONTENT_LENGTH: 413 before it is read
    limit = request.max_content_length
    if request.content_length is None and limit is not None and len(raw) >= limit:
        # A chunked body is cut at the limit by werkzeug rather than refused: refuse it here.
        raise RequestEntityTooLarge()
    if not raw.strip():
        raise BadRequest("The request body must be a JSON object.")
    try:
        data = json.loads(raw, parse_constant=_reject_constant, object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise BadRequest("The JSON body is nested too deeply.")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The body is not valid JSON.")
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.")
    g.api_json = data
    return data


_MESSAGES = {"extra_forbidden": "This field cannot be set.", "missing": "This field is required."}


def _details(err: PydanticError) -> dict:
    out: dict = {}
    for e in err.errors(include_url=False):
        field = ".".join(str(p) for p in e["loc"]) or "body"
        msg = _MESSAGES.get(e["type"]) or e["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        out.setdefault(field, msg)
    return out


def validate(model: type[BaseModel], data: dict) -> BaseModel:
    """Validate data with a pydantic model; ValidationError (422) with one message per field."""
    try:
        return model.model_validate(data)
    except PydanticError as err:
        raise ValidationError(_details(err))
    except RecursionError:
        raise BadRequest("The JSON body is nested too deeply.")


def _is_list(annotation) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return any(_is_list(a) for a in typing.get_args(annotation))
    return origin is list


def parse_query(model: type[BaseModel]) -> BaseModel:
    """Query parameters validated by a model; list-typed fields take repeated parameters."""
    data = {}
    for name, info in model.model_fields.items():
        if name in request.args:
            data[name] = request.args.getlist(name) if _is_list(info.annotation) else request.args.get(name)
    return validate(model, data)


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().splitlines()[0] if (doc or "").strip() else ""


def _to_response(rv, status: int) -> Response:
    if isinstance(rv, Response):
        return rv
    if rv is None:
        return Response(status=status if status == 204 else 204)
    if isinstance(rv, tuple):
        return make_response(rv)
    resp = jsonify(rv)
    resp.status_code = status
    return resp


def api_route(rule: str, methods=("GET",), *, body: type[BaseModel] | None = None,
              query: type[BaseModel] | None = None, response: type[BaseModel] | None = None,
              status: int = 200, auth: bool = True, summary: str = "", tags=(), idempotent: bool = False,
              openapi: dict | None = None, endpoint: str | None = None, extra_models=(),
              streams: bool = False, writes: bool = False):
    """Register an API view: authenticate, validate, call `view(**path, body=, query=)`, serialise.

    GET views read outside a transaction (see `read_without_transaction`), except those that
    `streams` a response from a server-side cursor, which needs one, and those that `writes`
    (reading cycles may complete ended ones under the team's row lock).
    `openapi` is merged into the operation (e.g. a multipart requestBody or a text/csv response);
    `idempotent` honours the Idempotency-Key header (POST creates); `extra_models` are schemas that
    `openapi` refers to by "#/components/schemas/<Name>".
    """
    def decorator(fn):
        @wraps(fn)
        def view(**kwargs):
            if request.method == "GET" and not (streams or writes):
                read_without_transaction()
            if auth:
                g.api_user = bearer_user()
            if any("\x00" in str(v) or len(str(v)) > 100 for v in kwargs.values()):
                raise NotFound()  # no id or key has these; PostgreSQL would refuse NUL in a query
            if query is not None:
                kwargs["query"] = parse_query(query)
            if body is not None:
                kwargs["body"] = validate(body, read_json_object())
            if idempotent and request.headers.get("Idempotency-Key") is not None:
                from .idempotent import replay_or_run
                return replay_or_run(lambda: _to_response(fn(**kwargs), status))
            return _to_response(fn(**kwargs), status)

        name = endpoint or fn.__name__
        bp.add_url_rule(rule, endpoint=name, view_func=view, methods=list(methods))
        for method in methods:
            OPERATIONS.append({"rule": rule, "method": method.lower(), "body": body, "query": query,
                               "response": response, "status": status, "auth": auth, "tags": list(tags),
                               "summary": summary or _first_line(fn.__doc__),
                               "description": (fn.__doc__ or "").strip(), "idempotent": idempotent,
                               "openapi": openapi or {}, "extra_models": list(extra_models),
                               "operation_id": f"{name}_{method.lower()}"
                               if len(methods) > 1 else name})
        return view
    return decorator
