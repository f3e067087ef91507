"""The OpenAPI 3.1 document, built from the operations api_route recorded and their pydantic models."""
from __future__ import annotations

import re

from pydantic.json_schema import models_json_schema

from .common import OPERATIONS
from .schemas import ErrorOut

PATH_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
ERRORS = {400: "The body is not valid JSON, or not an object.", 401: "Missing, invalid or expired token.",
          403: "Your role in the team does not allow this.",
          404: "Unknown id, or a resource of a team you are not a member of.",
          409: "Conflict: duplicate, stale version, last admin, or Idempotency-Key in progress.",
          413: "The body is larger than MAX_UPLOAD_MB.", 415: "The body is not application/json.",
          422: "Validation failed: `details` maps each field to a message.",
          503: "The database is unreachable."}
ID_HINTS = {"issue_id": "Issue id (UUID) or identifier such as ENG-42."}
_cache: dict = {}
DESCRIPTION = """The JSON API of linear_web: the same rules as the web pages, through the same services.

* **Auth**: `Authorization: Bearer <JWT>` from `POST /api/v1/auth/login` (lifetime `expires_in` seconds; a
  password change or "log out everywhere" ends it), or `Bearer lw_…`, a personal API key from your account
  page or `POST /api/v1/api-keys`. The browser's session cookie is never accepted.
* **Errors** are always `{"error": {"code", "message", "details"}}`; `details` maps each bad field to a message.
  400: the body is not JSON, not an object, has duplicate keys or NaN, or nests too deeply.
  415: a body sent with a Content-Type other than `application/json`. 422: validation, including unknown keys.
* **Idempotency-Key** on `POST /issues` and `POST /issues/{issue_id}/comments`: the same key and body within
  24 h replay the first response (header `Idempotent-Replayed: true`); the same key with another body is 422;
  a repeat while the first is still running is 409.
* **Lists** are `{"items", "next_cursor"}`; pass `cursor` back to get the next page (keyset, stable under inserts).
* Wherever an issue id is taken, its identifier (`ENG-42`) works too.
* **Live events**: `GET /api/v1/ws?token=…[&team_id=…]` (a WebSocket) sends one JSON object per change,
  after commit, for your teams only: `{"type", "team_id", "actor_id", "at", "issue", …}`. Types:
  `ISSUE_CREATED`, `ISSUE_UPDATED`, `ISSUE_DELETED` (`issue` is `{id, identifier}`), `COMMENT_CREATED` and
  `COMMENT_UPDATED` (with the `comment`), `COMMENT_DELETED` (`comment` is `{id, issue_id}`), `LABEL_CREATED`,
  `LABEL_UPDATED`, `LABEL_DELETED` (a `label`, `{id}` once deleted, and no `issue`), `CYCLE_CREATED`,
  `CYCLE_UPDATED`, `CYCLE_DELETED` (a `cycle` with its figures, `{id}` once deleted, and no `issue`),
  `NOTIFICATION_CREATED` (a `notification`; only its recipient gets it, whatever `team_id` narrows).
  Attachment changes arrive as `ISSUE_UPDATED`. Ignore types you do not know.
* **Cycles**: dates are `YYYY-MM-DD` in UTC, both days included; a cycle whose last day has passed completes
  (its unfinished issues move to the next cycle) the first time anything reads the team's cycles.
* **Views** save a team's issue-list filters (the query parameters of `GET /issues`, repeatable ones as lists)
  with a layout. A private view is its owner's alone (404 to anyone else); a shared one is seen by the team,
  changed only by its owner or a team admin (403 for other members). `GET /views/{view_id}/issues` answers
  what `GET /issues` answers for the view's team and filters. A filter naming a deleted label, project or
  cycle is left out when the view is read, and `dropped_filters` names it.
"""


def _models() -> list:
    seen: dict = {"ErrorOut": ErrorOut}
    for op in OPERATIONS:
        for model in (op["body"], op["response"], *op["extra_models"]):
            if model is not None:
                seen.setdefault(model.__name__, model)
    return list(seen.values())


def _error_responses(op: dict) -> dict:
    codes = [400, 404, 422, 503] + ([401] if op["auth"] else [])
    if op["method"] in ("post", "put", "patch", "delete"):
        codes += [403, 409]
    if op["body"] is not None or op["method"] in ("post", "put", "patch"):
        codes += [413, 415]
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    return {str(c): {"description": ERRORS[c], "content": ref} for c in sorted(set(codes))}


def _query_parameters(model) -> list[dict]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        options = [s for s in prop.pop("anyOf", []) if s.get("type") != "null"]
        if options:
            prop.update(options[0])
        prop.pop("title", None)
        description = prop.pop("description", None)
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            param["description"] = description
        if prop.get("type") == "array":
            param.update(style="form", explode=True)
        params.append(param)
    return params


def _operation(op: dict) -> dict:
    out: dict = {"operationId": op["operation_id"], "summary": op["summary"], "tags": op["tags"]}
    if op["description"] and op["description"] != op["summary"]:
        out["description"] = op["description"]
    params = [{"name": n, "in": "path", "required": True, "description": ID_HINTS.get(n, "A UUID."),
               "schema": {"type": "string", "maxLength": 100}} for n in PATH_PARAM.findall(op["rule"])]
    if op["query"] is not None:
        params += _query_parameters(op["query"])
    if op["idempotent"]:
        params.append({"name": "Idempotency-Key", "in": "header", "required": False,
                       "description": "Repeat with the same key and body within 24 h: the first response is "
                                      "replayed (header Idempotent-Replayed). Same key, other body: 422.",
                       "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"}})
    if params:
        out["parameters"] = params
    if op["body"] is not None:
        out["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{op['body'].__name__}"}}}}
    ok: dict = {"description": "No content." if op["status"] == 204 else "Success."}
    if op["response"] is not None:
        ok["content"] = {"application/json": {"schema": {"$ref": f"#/components/schemas/{op['response'].__name__}"}}}
    out["responses"] = {str(op["status"]): ok, **_error_responses(op)}
    if not op["auth"]:
        out["security"] = []
    extra = dict(op["openapi"])
    out["responses"].update(extra.pop("responses", {}))
    out.update(extra)
    return out


def build_spec() -> dict:
    """The whole document; cached until more operations are registered."""
    if _cache.get("count") == len(OPERATIONS):
        return _cache["spec"]
    _, defs = models_json_schema([(m, "validation") for m in _models()],
                                 ref_template="#/components/schemas/{model}")
    paths: dict = {}
    for op in OPERATIONS:
        path = "/api/v1" + PATH_PARAM.sub(r"{\1}", op["rule"])
        paths.setdefault(path, {})[op["method"]] = _operation(op)
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "linear_web API", "version": "1.0.0",
                 "description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": defs.get("$defs", {}), "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT or lw_ API key"}}},
        "security": [{"bearer": []}],
    }
    _cache.update(count=len(OPERATIONS), spec=spec)
    return spec
