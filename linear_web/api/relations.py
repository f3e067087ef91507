"""API: relations between issues (blocks, blocked by, related, duplicate of)."""
from ..services import relations as relation_service
from .common import api_route, current_api_user, list_response
from .schemas import RelationIn, RelationList, RelationOut


@api_route("/issues/<issue_id>/relations", methods=["POST"], body=RelationIn, response=RelationOut, status=201,
           tags=["issues"])
def relation_create(issue_id, body: RelationIn):
    """Relate the issue to another of any of the caller's teams; 409 if the two are related already."""
    return relation_service.add_relation(current_api_user(), issue_id, body.type, body.issue_id).to_json()


@api_route("/issues/<issue_id>/relations", response=RelationList, tags=["issues"])
def relation_list(issue_id):
    """The issue's relations, each read from this issue's side."""
    return list_response(relation_service.list_relations(current_api_user(), issue_id))


@api_route("/issues/<issue_id>/relations/<relation_id>", methods=["DELETE"], status=204, tags=["issues"])
def relation_delete(issue_id, relation_id):
    """Remove a relation: both issues lose it."""
    relation_service.remove_relation(current_api_user(), issue_id, relation_id)
