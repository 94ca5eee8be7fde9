"""Events the projects service consumes: feedback sent for a project is linked to it, so
that step 4 counts it without anyone copying ids by hand."""


from services.common.context import ServiceContext
from services.common.envelope import Event, parse_time
from services.projects import repository


def feedback_received(event: Event, ctx: ServiceContext | None = None) -> None:
    project_id = event.data.get("project_id")
    if not project_id:
        return
    received_at = parse_time(event.data["received_at"])
    repository.link_feedback(event.data["feedback_id"], project_id, received_at)
