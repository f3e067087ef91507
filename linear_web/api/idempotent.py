"""The HTTP side of Idempotency-Key: claim, run, store the response, or replay the first one."""
from flask import Response, g, request

from ..services import idempotency
from .common import current_api_user


def replay_or_run(run) -> Response:
    """Run the view once per key and body; a repeat gets the stored response and Idempotent-Replayed."""
    digest = idempotency.request_hash(getattr(g, "api_json", None))
    outcome = idempotency.claim(current_api_user(), request.headers.get(idempotency.HEADER),
                                f"{request.method} {request.path}", digest)
    if isinstance(outcome, idempotency.Replay):
        resp = Response(outcome.body, status=outcome.status, mimetype="application/json")
        resp.headers["Idempotent-Replayed"] = "true"
        return resp
    try:
        resp = run()
    except BaseException:
        idempotency.release(outcome)
        raise
    if 200 <= resp.status_code < 300:
        idempotency.finish(outcome, resp.status_code, resp.get_data(as_text=True))
    else:
        idempotency.release(outcome)
    return resp
