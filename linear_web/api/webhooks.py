"""API: a team's webhooks (team admins): register (the secret shown once), list, change, pause,
delete, their deliveries, a test ping and redelivery. The rules are services/webhooks.py's."""
from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import Field, Strict

from ..models.webhook import DELIVERY_STATES, URL_MAX
from ..services import webhooks as webhook_service
from .common import api_route, current_api_user, list_response
from .schemas import Input, Out, Query, Text, Timestamp, documented, page_of

EventType = Literal[webhook_service.EVENT_TYPES]  # type: ignore[valid-type]
Url = Annotated[Text, documented(maxLength=URL_MAX, description="http(s); the host must resolve to public "
                                                                "addresses unless WEBHOOK_ALLOW_PRIVATE=1.")]


class WebhookIn(Input):
    team_id: uuid.UUID
    url: Url
    events: list[EventType] | None = Field(None, description="The event types to send; none or []: all.")


class WebhookPatch(Input):
    url: Url | None = None
    events: list[EventType] | None = Field(None, description="Replaces the types; []: all.")
    active: Annotated[bool, Strict()] | None = Field(None, description="false pauses: no new deliveries, "
                                                                       "pending ones wait.")


class WebhookQuery(Query):
    team_id: uuid.UUID


class WebhookOut(Out):
    id: uuid.UUID
    team_id: uuid.UUID
    url: str
    events: list[EventType]
    active: bool
    created_at: Timestamp


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(description="Signs every request (X-LinearWeb-Signature); shown only here.")


class DeliveryOut(Out):
    id: uuid.UUID = Field(description="The X-LinearWeb-Delivery header, the same on every attempt.")
    event_type: str
    status_code: int | None
    attempt: int
    duration_ms: int | None
    error: str | None
    created_at: Timestamp
    delivered_at: Timestamp | None
    state: Literal[DELIVERY_STATES]  # type: ignore[valid-type]


class Accepted(Out):
    delivery_id: uuid.UUID


WebhookList, DeliveryList = page_of(WebhookOut), page_of(DeliveryOut)


def _fields(body) -> dict:
    return {k: v for k, v in body.model_dump(exclude_unset=True, exclude={"team_id"}, mode="json").items()
            if v is not None}


@api_route("/webhooks", methods=["POST"], body=WebhookIn, response=WebhookCreatedOut, status=201, tags=["webhooks"])
def webhook_create(body: WebhookIn):
    """Register a URL for the team's events (team admins); the secret is in this answer only."""
    hook, secret = webhook_service.create_webhook(current_api_user(), str(body.team_id), _fields(body))
    return {**hook.to_json(), "secret": secret}, 201, {"Cache-Control": "no-store"}


@api_route("/webhooks", query=WebhookQuery, response=WebhookList, tags=["webhooks"])
def webhook_list(query: WebhookQuery):
    """The team's webhooks (team admins), oldest first."""
    return list_response(webhook_service.list_webhooks(current_api_user(), str(query.team_id)))


@api_route("/webhooks/<webhook_id>", methods=["PATCH"], body=WebhookPatch, response=WebhookOut, tags=["webhooks"])
def webhook_update(webhook_id, body: WebhookPatch):
    """Change the URL or the event types, pause (active false) or resume."""
    return webhook_service.update_webhook(current_api_user(), webhook_id, _fields(body)).to_json()


@api_route("/webhooks/<webhook_id>", methods=["DELETE"], status=204, tags=["webhooks"])
def webhook_delete(webhook_id):
    """Delete the webhook; its pending deliveries are not sent."""
    webhook_service.delete_webhook(current_api_user(), webhook_id)


@api_route("/webhooks/<webhook_id>/deliveries", response=DeliveryList, tags=["webhooks"])
def webhook_deliveries(webhook_id):
    """The webhook's latest deliveries, newest first (30 days, at most 1,000, are kept)."""
    return list_response(webhook_service.deliveries(current_api_user(), webhook_id))


@api_route("/webhooks/<webhook_id>/test", methods=["POST"], response=Accepted, status=202, tags=["webhooks"])
def webhook_test(webhook_id):
    """Queue a PING event to the webhook."""
    delivery = webhook_service.ping(current_api_user(), webhook_id)
    return {"delivery_id": str(delivery.id)}, 202


@api_route("/webhooks/<webhook_id>/deliveries/<delivery_id>/redeliver", methods=["POST"], response=Accepted,
           status=202, tags=["webhooks"])
def webhook_redeliver(webhook_id, delivery_id):
    """Send a delivery's body again, as a new delivery."""
    delivery = webhook_service.redeliver(current_api_user(), webhook_id, delivery_id)
    return {"delivery_id": str(delivery.id)}, 202
