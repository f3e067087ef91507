"""Models, one module per aggregate; import from here."""
from .activity import Activity
from .api_key import ApiKey
from .attachment import Attachment
from .base import iso, utcnow
from .comment import Comment
from .cycle import Cycle, CycleChange
from .idempotency import IdempotencyRecord
from .issue import TRACKED_FIELDS, Issue, IssueAlias
from .label import Label, issue_labels
from .notification import IssueSubscription, Notification
from .outbox import OutboxMessage
from .project import Project
from .relation import IssueParent, IssueRelation
from .team import ROLES, Membership, Team, TeamVersion
from .user import User
from .view import View, ViewFavourite
from .webhook import Webhook, WebhookDelivery

# Last: it attaches the row's planning columns to Issue once every model is defined.
from . import planning  # noqa: E402,F401

__all__ = ["iso", "utcnow", "TRACKED_FIELDS",
           "Activity", "Attachment", "Comment", "Cycle", "CycleChange", "IdempotencyRecord", "Issue", "IssueAlias", "Label", "issue_labels",
           "IssueParent", "IssueRelation", "IssueSubscription", "Notification", "OutboxMessage", "ROLES", "Membership", "Project", "Team", "TeamVersion", "ApiKey", "User", "View", "ViewFavourite",
           "Webhook", "WebhookDelivery"]
