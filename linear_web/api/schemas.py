"""Pydantic models: they validate the JSON shape of API requests and are the schemas of the OpenAPI
document. Limits (lengths, ranges) are the services' rules, with their messages: here they are only
documented, read from the vocabulary."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, StringConstraints, create_model
from pydantic.fields import FieldInfo

from ..services.display import GROUPINGS, PROPERTIES as DISPLAY_PROPERTIES
from ..services.views import FILTERS as VIEW_FILTERS, VIEW_LAYOUTS
from ..vocabulary import (BODY_MAX, DEFAULT_STATUS, DESCRIPTION_MAX, EMAIL_MAX, FILTER_TEXT_MAX, NAME_MAX,
                          NO_PRIORITY, PASSWORD_MAX_BYTES, PASSWORD_MIN, PRIORITIES, PRIORITY_LABELS, SEARCH_MAX,
                          TEAM_KEY_MAX, TEAM_KEY_MIN, TEAM_KEY_PATTERN, TITLE_MAX, StatusLiteral)
from ..vocabulary import (ACTIVITY_ACTIONS, ACTIVITY_FIELDS, CYCLE_NAME_MAX, CYCLE_STATES, ESTIMATE_SCALES,
                          HANDLE_MAX, HANDLE_MIN, HANDLE_PATTERN, LABEL_NAME_MAX, NOTIFICATION_TYPES,
                          RELATION_CREATE_TYPES, RELATION_TYPES)


def _plain_text(value: str) -> str:
    """Refuse NUL (PostgreSQL cannot store it) and lone surrogates (not UTF-8)."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains invalid characters")
    return value


@dataclass(frozen=True)
class Documented:
    """JSON Schema keywords shown in the OpenAPI document but not checked by pydantic (a service checks them)."""

    keywords: tuple[tuple[str, object], ...]

    def __get_pydantic_json_schema__(self, core_schema, handler):
        """The type's schema with the documented keywords added."""
        return {**handler(core_schema), **{k: list(v) if isinstance(v, tuple) else v for k, v in self.keywords}}


def documented(**keywords) -> Documented:
    """Documented(minLength=1, maxLength=…) from keyword arguments (tuples for lists: metadata is hashed)."""
    return Documented(tuple(keywords.items()))


Text = Annotated[str, AfterValidator(_plain_text)]
Name = Annotated[Text, documented(minLength=1, maxLength=NAME_MAX)]
Title = Annotated[Text, documented(minLength=1, maxLength=TITLE_MAX)]
Body = Annotated[Text, documented(maxLength=BODY_MAX)]
LongText = Annotated[Text, documented(maxLength=DESCRIPTION_MAX)]
Email = Annotated[str, StringConstraints(max_length=EMAIL_MAX), AfterValidator(_plain_text)]
Status = StatusLiteral
_PRIORITY_DOC = ", ".join(f"{p} {PRIORITY_LABELS[p].lower()}" for p in PRIORITIES)
# A JSON integer (strict: not "1" or true); which numbers are priorities is the service's rule.
Priority = Annotated[int, Strict(), documented(enum=PRIORITIES), Field(description=_PRIORITY_DOC)]
Role = Literal["admin", "member"]
Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
# A calendar date as text; whether it is a real date is the service's rule (its 422 names the field).
Day = Annotated[Text, documented(format="date", pattern=r"^\d{4}-\d{2}-\d{2}$")]
Color = Annotated[Text, documented(pattern="^#[0-9a-fA-F]{6}$", description="#rrggbb")]
Estimates = Literal[tuple(ESTIMATE_SCALES)]  # type: ignore[valid-type]


class Input(BaseModel):
    """Request bodies: unknown keys are refused (no mass assignment)."""

    model_config = ConfigDict(extra="forbid")


class Query(BaseModel):
    model_config = ConfigDict(extra="ignore")


# -- requests ------------------------------------------------------------------------------

class SignupIn(Input):
    email: Annotated[Text, documented(maxLength=EMAIL_MAX)]
    password: Annotated[Text, documented(minLength=PASSWORD_MIN, description=f"At most {PASSWORD_MAX_BYTES} "
                                                                             "bytes as UTF-8.")]
    name: Name


class LoginIn(Input):
    email: Email
    password: Annotated[str, StringConstraints(max_length=1024)]


class ApiKeyIn(Input):
    name: Name


class TeamIn(Input):
    key: Annotated[Text, documented(minLength=TEAM_KEY_MIN, maxLength=TEAM_KEY_MAX, pattern=f"^{TEAM_KEY_PATTERN}$")]
    name: Name
    description: LongText | None = None


class TeamPatch(Input):
    name: Name | None = None
    description: LongText | None = None
    estimates: Estimates | None = Field(None, description="The estimate scale of the team's issues.")


class MemberIn(Input):
    email: Email | None = None
    user_id: uuid.UUID | None = None
    role: Role = "member"


class ProjectIn(Input):
    team_id: uuid.UUID
    name: Name
    description: LongText | None = None


class ProjectPatch(Input):
    name: Name | None = None
    description: LongText | None = None


class IssueIn(Input):
    team_id: uuid.UUID
    title: Title
    description: Body | None = None
    status: Status = DEFAULT_STATUS
    priority: Priority = NO_PRIORITY
    project_id: uuid.UUID | None = None
    assignee_id: uuid.UUID | None = None
    label_ids: list[Text] | None = Field(None, description="Replaces the set: labels of the issue's team.")
    parent_id: Text | None = Field(None, description="An issue of the same team (id or identifier); null clears.")
    due_date: Day | None = None
    estimate: Annotated[int, Strict()] | None = Field(None, description="A value of the team's estimate scale.")
    cycle_id: uuid.UUID | None = Field(None, description="A cycle of the issue's team that is not completed.")


class IssuePatch(Input):
    title: Title | None = None
    description: Body | None = None
    status: Status | None = None
    priority: Priority | None = None
    project_id: uuid.UUID | None = None
    assignee_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = Field(None, description="Move the issue to another of your teams: it gets "
                                                          "a new identifier; the old one keeps working.")
    label_ids: list[Text] | None = Field(None, description="Replaces the set: labels of the issue's team.")
    parent_id: Text | None = Field(None, description="An issue of the same team (id or identifier); null clears.")
    due_date: Day | None = None
    estimate: Annotated[int, Strict()] | None = Field(None, description="A value of the team's estimate scale.")
    cycle_id: uuid.UUID | None = Field(None, description="A cycle of the issue's team that is not completed; "
                                                          "null takes the issue out of its cycle.")
    version: Annotated[int, Field(ge=1)] | None = Field(None, description="The version you last saw: 409 if stale.")


class LabelIn(Input):
    team_id: uuid.UUID
    name: Annotated[Text, documented(minLength=1, maxLength=LABEL_NAME_MAX)]
    color: Color | None = None
    description: LongText | None = None


class LabelPatch(Input):
    name: Annotated[Text, documented(minLength=1, maxLength=LABEL_NAME_MAX)] | None = None
    color: Color | None = None
    description: LongText | None = None


class CycleIn(Input):
    team_id: uuid.UUID
    starts_on: Day
    ends_on: Annotated[Day, Field(description="On or after starts_on; both days are in the cycle (UTC).")]
    name: Annotated[Text, documented(maxLength=CYCLE_NAME_MAX)] | None = Field(
        None, description='Empty: the cycle is called "Cycle N".')


class CyclePatch(Input):
    name: Annotated[Text, documented(maxLength=CYCLE_NAME_MAX)] | None = None
    starts_on: Day | None = None
    ends_on: Day | None = None


class ProfilePatch(Input):
    name: Name | None = None
    handle: Annotated[Text, documented(minLength=HANDLE_MIN, maxLength=HANDLE_MAX, pattern=f"^{HANDLE_PATTERN}$")] | None = \
        Field(None, description="Unique; 409 when taken.")


class RelationIn(Input):
    type: Literal[RELATION_CREATE_TYPES]  # type: ignore[valid-type]
    issue_id: Annotated[Text, Field(description="The other issue: an id or identifier, in any of your teams.")]


class CommentIn(Input):
    body: Annotated[Text, documented(minLength=1, maxLength=BODY_MAX)]


# -- query parameters ------------------------------------------------------------------------

class PageQuery(Query):
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, StringConstraints(max_length=1000)] | None = None


class UserQuery(Query):
    q: Annotated[Text, documented(maxLength=FILTER_TEXT_MAX)] | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 20


class ProjectQuery(Query):
    team_id: uuid.UUID | None = None


class NotificationQuery(PageQuery):
    unread: bool | None = Field(None, description="true: only the unread ones.")


class LabelQuery(Query):
    team_id: uuid.UUID


class CycleQuery(Query):
    team_id: uuid.UUID
    state: Literal[CYCLE_STATES] | None = None  # type: ignore[valid-type]


class IssueQuery(PageQuery):
    team_id: uuid.UUID | None = None
    status: list[Status] | None = Field(None, description="Repeatable.")
    priority: list[Annotated[int, documented(enum=PRIORITIES)]] | None = Field(None, description="Repeatable.")
    project_id: uuid.UUID | None = None
    assignee_id: Annotated[str, Field(pattern=r"^(me|none|[0-9a-fA-F-]{32,36})$",
                                      description="A user id, `me` or `none`.")] | None = None
    q: Annotated[Text, documented(maxLength=SEARCH_MAX)] | None = None
    sort: Literal["-created_at", "created_at", "priority", "-updated_at", "due_date", "-due_date"] = "-created_at"
    label_id: list[uuid.UUID] | None = Field(None, description="Repeatable: issues with any of these labels.")
    parent_id: Annotated[str, Field(pattern=r"^(none|[0-9a-fA-F-]{32,36})$",
                                    description="An issue id (its sub-issues), or `none` (top-level issues).")] | None = None
    due_before: Day | None = Field(None, description="Due on or before this date.")
    due_after: Day | None = Field(None, description="Due on or after this date.")
    overdue: bool | None = Field(None, description="true: due before today and not done or canceled.")
    cycle_id: Annotated[str, Field(pattern=r"^(current|none|[0-9a-fA-F-]{32,36})$",
                                   description="A cycle id, `current` (the team's current cycle) or `none`.")] | None = None


# -- saved views -------------------------------------------------------------------------------

def _view_filters() -> type[BaseModel]:
    """A view's filters: the fields of IssueQuery (GET /issues) by the same names, types and
    documentation; priorities are JSON numbers here (Priority, as in issue bodies)."""
    fields = {name: (IssueQuery.model_fields[name].annotation, IssueQuery.model_fields[name])
              for name in VIEW_FILTERS}
    for name, what in (("status", "statuses"), ("label_id", "labels")):
        fields[name] = (fields[name][0], FieldInfo.merge_field_infos(fields[name][1],
                                                                     description=f"Issues of any of these {what}."))
    fields["priority"] = (list[Priority] | None, Field(None, description="Issues of any of these priorities."))
    fields["sort"] = (IssueQuery.model_fields["sort"].annotation | None,
                      Field(None, description="The list's sort; none: -created_at."))
    return create_model("ViewFilters", __base__=Input, __doc__="The issue list's filters (GET /api/v1/issues), "
                        "by their query-parameter names; repeatable ones are lists.", **fields)


ViewFilters = _view_filters()
ViewLayout = Literal[VIEW_LAYOUTS]  # type: ignore[valid-type]


class ViewDisplay(Input):
    """How the view shows its issues: grouping, and the properties rows and cards show."""

    group_by: Literal[GROUPINGS] = Field("status", description="Group the list's rows or the board's "  # type: ignore[valid-type]
                                         "columns by this; none: one group.")
    properties: list[Literal[DISPLAY_PROPERTIES]] = Field(  # type: ignore[valid-type]
        list(DISPLAY_PROPERTIES), description="The properties rows and cards show; the others are hidden.")


class ViewIn(Input):
    team_id: uuid.UUID
    name: Name
    filters: ViewFilters | None = Field(  # type: ignore[valid-type]
        None, description="Ids must be of the view's team: the assignee a member.")
    layout: ViewLayout = "list"
    display: ViewDisplay | None = Field(None, description="None: grouped by status, every property shown.")
    shared: Annotated[bool, Strict()] = Field(False, description="true: every member of the team sees it; "
                                                                 "false: only you.")


class ViewPatch(Input):
    name: Name | None = None
    filters: ViewFilters | None = Field(None, description="Replaces the view's filters.")  # type: ignore[valid-type]
    layout: ViewLayout | None = None
    display: ViewDisplay | None = Field(None, description="Replaces the view's display options.")
    shared: Annotated[bool, Strict()] | None = Field(None, description="Only its owner or a team admin may "
                                                                       "change a view.")


class ViewQuery(Query):
    team_id: uuid.UUID


class SearchQuery(IssueQuery):
    q: Annotated[Text, documented(maxLength=SEARCH_MAX)]


class ExportQuery(IssueQuery):
    pass


# -- responses -------------------------------------------------------------------------------

class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserOut(Out):
    id: uuid.UUID
    email: str
    name: str
    handle: str = Field(description="What @mentions name: 2–30 of a–z, 0–9, '.', '_', '-'.")
    created_at: Timestamp


class UserBrief(Out):
    id: uuid.UUID
    name: str


class NotificationIssue(Out):
    id: uuid.UUID
    identifier: str
    title: str
    status: Status
    team_id: uuid.UUID


class NotificationOut(Out):
    id: uuid.UUID
    type: Literal[NOTIFICATION_TYPES]  # type: ignore[valid-type]
    issue: NotificationIssue
    actor: UserBrief
    comment_id: uuid.UUID | None
    created_at: Timestamp
    read_at: Timestamp | None


class ReadAllOut(Out):
    updated: int = Field(description="How many were unread.")


class CountOut(Out):
    count: int


class MemberUser(Out):
    id: uuid.UUID
    email: str
    name: str


class TokenOut(Out):
    access_token: str
    token_type: Literal["bearer"]
    expires_in: int


class ApiKeyOut(Out):
    id: uuid.UUID
    name: str
    prefix: str = Field(description="The first characters of the key, to recognise it.")
    created_at: Timestamp
    last_used_at: Timestamp | None


class ApiKeyCreatedOut(ApiKeyOut):
    key: str = Field(description="The secret key: shown this once, store it now.")


class TeamOut(Out):
    id: uuid.UUID
    key: str
    name: str
    description: str
    created_at: Timestamp
    role: Role | None
    estimates: Estimates


class MemberOut(Out):
    user: MemberUser
    role: Role
    joined_at: Timestamp


class ProjectOut(Out):
    id: uuid.UUID
    team_id: uuid.UUID
    name: str
    description: str
    created_at: Timestamp


class LabelBrief(Out):
    id: uuid.UUID
    name: str
    color: str


class SubIssues(Out):
    total: int = Field(description="Direct children.")
    done: int = Field(description="Direct children that are done.")


class IssueBrief(Out):
    id: uuid.UUID
    identifier: str
    title: str
    status: Status


class IssueOut(Out):
    id: uuid.UUID
    identifier: str
    number: int
    title: str
    description: str
    description_html: str
    status: Status
    priority: Priority
    team_id: uuid.UUID
    project_id: uuid.UUID | None
    assignee_id: uuid.UUID | None
    creator_id: uuid.UUID
    assignee: UserBrief | None
    created_at: Timestamp
    updated_at: Timestamp
    version: int
    label_ids: list[uuid.UUID]
    labels: list[LabelBrief]
    parent_id: uuid.UUID | None
    sub_issues: SubIssues
    due_date: Day | None
    estimate: int | None
    cycle_id: uuid.UUID | None


class CommentOut(Out):
    id: uuid.UUID
    issue_id: uuid.UUID
    body: str
    body_html: str
    author: UserBrief
    created_at: Timestamp
    updated_at: Timestamp


class ActivityOut(Out):
    id: uuid.UUID
    issue_id: uuid.UUID
    actor: UserBrief
    action: Literal[ACTIVITY_ACTIONS]
    field: Literal[ACTIVITY_FIELDS] | None
    old_value: str | None
    new_value: str | None
    created_at: Timestamp


class AttachmentOut(Out):
    id: uuid.UUID
    issue_id: uuid.UUID
    filename: str
    content_type: str
    size: int
    uploader_id: uuid.UUID
    created_at: Timestamp
    content_url: str


class RelatedIssue(IssueBrief):
    team_id: uuid.UUID


class RelationOut(Out):
    id: uuid.UUID
    type: Literal[RELATION_TYPES]  # type: ignore[valid-type]
    issue: RelatedIssue
    created_at: Timestamp


class LabelOut(Out):
    id: uuid.UUID
    team_id: uuid.UUID
    name: str
    color: str
    description: str
    created_at: Timestamp


class CycleOut(Out):
    id: uuid.UUID
    team_id: uuid.UUID
    number: int = Field(description="Counts from 1 per team.")
    name: str = Field(description='Its name, or "Cycle N".')
    starts_on: Day
    ends_on: Day
    state: Literal[CYCLE_STATES]  # type: ignore[valid-type]
    scope: int = Field(description="Issues in it.")
    completed: int = Field(description="Of those, done.")
    progress: float = Field(description="completed / scope (0 when empty).")
    created_at: Timestamp


class BurndownPoint(Out):
    date: Day
    scope: int
    completed: int


class CycleDetailOut(CycleOut):
    burndown: list[BurndownPoint] = Field(description="One point per day from starts_on to today or ends_on.")


class CycleCompleteOut(CycleOut):
    moved: int = Field(description="Unfinished issues moved on.")
    to_cycle_id: uuid.UUID | None = Field(description="The cycle they moved to; null: they left cycles.")


class IssueDetailOut(IssueOut):
    comments: list[CommentOut]
    activities: list[ActivityOut]
    attachments: list[AttachmentOut]
    parent: IssueBrief | None
    children: list[IssueOut]
    relations: list[RelationOut]


class ViewOut(Out):
    id: uuid.UUID
    team_id: uuid.UUID
    name: str
    filters: ViewFilters  # type: ignore[valid-type]
    layout: ViewLayout
    display: ViewDisplay
    shared: bool
    owner_id: uuid.UUID
    created_at: Timestamp
    dropped_filters: list[Literal[VIEW_FILTERS]] = Field(  # type: ignore[valid-type]
        description="Filters left out because what they named (a label, project or cycle) was deleted; "
                    "usually empty.")


class ErrorBody(Out):
    code: str
    message: str
    details: dict[str, str]


class ErrorOut(Out):
    error: ErrorBody


def page_of(model: type[BaseModel]) -> type[BaseModel]:
    """The list shape {"items": [model], "next_cursor": str | null} as its own named schema."""
    return create_model(f"{model.__name__.removesuffix('Out')}List", __base__=Out,
                        items=(list[model], ...), next_cursor=(str | None, ...))


UserList, TeamList, MemberList, ProjectList = (page_of(m) for m in (UserOut, TeamOut, MemberOut, ProjectOut))
IssueList, CommentList, ActivityList, ApiKeyList = (page_of(m) for m in (IssueOut, CommentOut, ActivityOut,
                                                                         ApiKeyOut))
AttachmentList, LabelList, RelationList = (page_of(m) for m in (AttachmentOut, LabelOut, RelationOut))
CycleList = page_of(CycleOut)
NotificationList = page_of(NotificationOut)
ViewList = page_of(ViewOut)
