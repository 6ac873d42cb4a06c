"""Choosing who handles a case: the team by category, then an agent by the team's strategy."""
import sqlalchemy as sa

from ...extensions import db
from ...models import Case, Role, StaffUser, StateCategory, Team
from ...models.complaint import STATE_CATEGORIES

_NOT_CLOSED = [state for state, category in STATE_CATEGORIES.items() if category is not StateCategory.CLOSED]


def team_for(category: str) -> Team | None:
    """The team listing this category, else a team that lists none (the catch-all)."""
    teams = db.session.scalars(sa.select(Team).order_by(Team.id)).all()
    return next((t for t in teams if category in (t.categories or [])), None) or next(
        (t for t in teams if not t.categories), None
    )


def available_agents(team: Team) -> list[StaffUser]:
    return list(db.session.scalars(
        sa.select(StaffUser)
        .where(StaffUser.team == team.name, StaffUser.active.is_(True), StaffUser.role == Role.AGENT)
        .order_by(StaffUser.id)
    ))


def open_load(agent_ids: list[int]) -> dict[int, int]:
    """Number of cases not closed per agent."""
    rows = db.session.execute(
        sa.select(Case.assignee_id, sa.func.count())
        .where(Case.assignee_id.in_(agent_ids), Case.state.in_(_NOT_CLOSED))
        .group_by(Case.assignee_id)
    )
    load = dict.fromkeys(agent_ids, 0)
    load.update({agent_id: count for agent_id, count in rows})
    return load


def choose_agent(team: Team) -> StaffUser | None:
    """The next agent by the team's strategy; None when nobody is available. Does not commit."""
    agents = available_agents(team)
    if not agents:
        return None
    if team.strategy == "round_robin":
        after = [a for a in agents if team.last_assigned_id is not None and a.id > team.last_assigned_id]
        chosen = (after or agents)[0]
    else:
        load = open_load([a.id for a in agents])
        chosen = min(agents, key=lambda a: (load[a.id], a.id))
    team.last_assigned_id = chosen.id
    return chosen


def route(case: Case) -> None:
    """Give a new case its team and agent. Does not commit."""
    team = team_for(case.category)
    case.team = team
    agent = choose_agent(team) if team else None
    case.assignee_id = agent.id if agent else None
