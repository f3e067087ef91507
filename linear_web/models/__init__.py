"""Models, one module per aggregate; import from here."""
from .base import iso, utcnow
from .issue import (PRIORITIES, PRIORITY_LABELS, STATUS_LABELS, STATUSES, TRACKED_FIELDS, Activity,
                    Attachment, Comment, IdempotencyRecord, Issue, IssueAlias)
from .team import ROLES, Membership, Project, Team
from .user import ApiKey, User

__all__ = ["iso", "utcnow", "PRIORITIES", "PRIORITY_LABELS", "STATUS_LABELS", "STATUSES",
           "TRACKED_FIELDS", "Activity", "Attachment", "Comment", "IdempotencyRecord", "Issue",
           "IssueAlias", "ROLES", "Membership", "Project", "Team", "ApiKey", "User"]
