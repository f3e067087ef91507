"""API: dashboard figures, from the same service as the dashboard pages."""
import uuid

from pydantic import Field

from ..services import stats
from .common import api_route, current_api_user
from .schemas import Out, Query


class StatsQuery(Query):
    team_id: str | None = Field(default=None, max_length=100, description="One team (UUID); all of yours if omitted.")


class StatusCounts(Out):
    backlog: int
    todo: int
    in_progress: int
    done: int
    canceled: int


class PriorityCounts(Out):
    """Keyed "0" (no priority), "1" (high), "2" (medium), "3" (low)."""

    none: int = Field(alias="0")
    high: int = Field(alias="1")
    medium: int = Field(alias="2")
    low: int = Field(alias="3")


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
