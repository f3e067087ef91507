"""API: personal API keys (create shows the key once; list; revoke)."""
from ..services import api_keys as keys_service
from .common import api_route, current_api_user, list_response
from .schemas import ApiKeyCreatedOut, ApiKeyIn, ApiKeyList


@api_route("/api-keys", methods=["POST"], body=ApiKeyIn, response=ApiKeyCreatedOut, status=201, tags=["api-keys"])
def api_key_create(body: ApiKeyIn):
    """Create a personal API key; the response is the only time the key is shown."""
    key, raw = keys_service.create_api_key(current_api_user(), body.name)
    return {**key.to_json(), "key": raw}, 201, {"Cache-Control": "no-store"}


@api_route("/api-keys", response=ApiKeyList, tags=["api-keys"])
def api_key_list():
    """The caller's API keys (never the secret)."""
    return list_response(keys_service.list_api_keys(current_api_user()))


@api_route("/api-keys/<key_id>", methods=["DELETE"], status=204, tags=["api-keys"])
def api_key_revoke(key_id):
    """Revoke one of the caller's keys."""
    keys_service.revoke_api_key(current_api_user(), key_id)
