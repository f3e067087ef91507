"""API: dashboard figures, from the same service as the dashboard pages."""
import uuid

from pydantic import Field, create_model

from ..services import stats
from ..vocabulary import PRIORITIES, PRIORITY_LABELS, STATUS_LABELS, STATUSES
from .common import api_route, current_api_user
from .schemas import Out, Query


class StatsQuery(Query):
    team_id: str | None = Field(default=None, max_length=100, description="One team (UUID); all of yours if omitted.")


# One count per status and per priority, keyed as in the vocabulary: a new status is a new field.
StatusCounts = create_model("StatusCounts", __base__=Out,
                            **{s: (int, Field(description=STATUS_LABELS[s])) for s in STATUSES})
PriorityCounts = create_model(
    "PriorityCounts", __base__=Out, __doc__="Keyed " + ", ".join(f'"{p}" ({PRIORITY_LABELS[p].lower()})'
                                                                 for p in PRIORITIES) + ".",
    **{f"priority_{p}": (int, Field(alias=str(p), description=PRIORITY_LABELS[p])) for p in PRIORITIES})


class TeamStatsOut(Out):
    team_id: uuid.UUID
    key: str
    name: str
    total: int
    done: int
    canceled: int
    progress: float = Field(ge=0, le=1, description="done / (total − canceled); 0 when nothing counts.")


class StatsOut(Out):
    total: int
    by_status: StatusCounts
    by_priority: PriorityCounts
    teams: list[TeamStatsOut]


@api_route("/dashboard/stats", query=StatsQuery, response=StatsOut, tags=["dashboard"])
def dashboard_stats(query: StatsQuery):
    """Issue counts by status and priority, and progress per team (one team, or all of yours)."""
    return stats.team_stats(current_api_user(), query.team_id).to_json()
