"""API: the caller's inbox (notifications), and subscribing to an issue."""
from ..services import notifications as inbox
from .common import api_route, current_api_user, list_response
from .schemas import CountOut, NotificationList, NotificationOut, NotificationQuery, ReadAllOut


@api_route("/notifications", query=NotificationQuery, response=NotificationList, tags=["inbox"])
def notification_list(query: NotificationQuery):
    """Your notifications, newest first (`unread=true`: only the unread ones)."""
    items, cursor = inbox.list_notifications(current_api_user(), unread=bool(query.unread), limit=query.limit,
                                             cursor=query.cursor)
    return list_response(items, cursor)


@api_route("/notifications/unread-count", response=CountOut, tags=["inbox"])
def notification_unread_count():
    """How many of your notifications are unread."""
    return {"count": inbox.unread_count(current_api_user())}


@api_route("/notifications/read-all", methods=["POST"], response=ReadAllOut, tags=["inbox"])
def notification_read_all():
    """Mark all your notifications read."""
    return {"updated": inbox.mark_all_read(current_api_user())}


@api_route("/notifications/<notification_id>/read", methods=["POST"], response=NotificationOut, tags=["inbox"])
def notification_read(notification_id):
    """Mark one of your notifications read (again: no change); someone else's is 404."""
    return inbox.mark_read(current_api_user(), notification_id).to_json()


@api_route("/issues/<issue_id>/subscription", methods=["PUT"], status=204, tags=["inbox"])
def issue_subscribe(issue_id):
    """Subscribe to an issue: you are told of its comments and status changes."""
    inbox.subscribe(current_api_user(), issue_id)


@api_route("/issues/<issue_id>/subscription", methods=["DELETE"], status=204, tags=["inbox"])
def issue_unsubscribe(issue_id):
    """Unsubscribe: nothing more about this issue until you subscribe again."""
    inbox.unsubscribe(current_api_user(), issue_id)
