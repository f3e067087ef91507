"""API: labels of a team."""
from ..services import labels as label_service
from .common import api_route, current_api_user, list_response
from .schemas import LabelIn, LabelList, LabelOut, LabelPatch, LabelQuery


@api_route("/labels", methods=["POST"], body=LabelIn, response=LabelOut, status=201, tags=["labels"])
def label_create(body: LabelIn):
    """Create a label in one of the caller's teams; 409 if the team has one of that name (any case)."""
    return label_service.create_label(current_api_user(), str(body.team_id), body.name, body.color,
                                      body.description).to_json()


@api_route("/labels", query=LabelQuery, response=LabelList, tags=["labels"])
def label_list(query: LabelQuery):
    """The team's labels, by name."""
    return list_response(label_service.list_labels(current_api_user(), str(query.team_id)))


@api_route("/labels/<label_id>", response=LabelOut, tags=["labels"])
def label_get(label_id):
    """One label."""
    return label_service.label_for(current_api_user(), label_id).to_json()


@api_route("/labels/<label_id>", methods=["PATCH"], body=LabelPatch, response=LabelOut, tags=["labels"])
def label_update(label_id, body: LabelPatch):
    """Rename, recolour or describe a label."""
    return label_service.update_label(current_api_user(), label_id, body.name, body.color,
                                      body.description).to_json()


@api_route("/labels/<label_id>", methods=["DELETE"], status=204, tags=["labels"])
def label_delete(label_id):
    """Delete a label: it is taken off its issues, with an activity row on each."""
    label_service.delete_label(current_api_user(), label_id)
