"""From an event to the fact the evaluation keeps of it: framework-free.

A fact is the event's data plus the dimensions every indicator filters by: its period (from
the domain time in the data, not the time it was published, in the city's time zone), unit,
major areas and project.
Facts from a replay and from the live consumer are built by this same function."""

from zoneinfo import ZoneInfo

from services.common.envelope import Event, parse_time

# Periods are the city's calendar: feedback given at 00:30 on 1 January in Lahti belongs to
# January, though it is still December in UTC.
CITY_TIME = ZoneInfo("Europe/Helsinki")

# The events the evaluation reads, and the field of each that says when the thing happened.
TIME_FIELDS = {
    "FeedbackReceived": "received_at",
    "FeedbackAnswered": "answered_at",
    "FeedbackStatusChanged": "changed_at",
    "ProjectStepCompleted": "completed_at",
    "ResultsPublished": "published_at",
    "ImpactCommunicated": "communicated_at",
    "ParticipantJoined": "joined_at",
    "ParticipationRated": "rated_at",
    "ParticipationPlanSaved": "saved_at",
    "ApplicationSubmitted": "submitted_at",
    "ApplicationDecided": "decided_at",
    "MembersSelected": "selected_at",
    "StatementSubmitted": "submitted_at",
    "StatementAnswered": "answered_at",
    "MessageDelivered": "delivered_at",
}
READ_EVENTS = tuple(TIME_FIELDS)
# Events that tell which unit and major areas a project belongs to; facts that name only a
# project (a rating, a delivered message) are attributed through them.
PROJECT_EVENTS = ("ProjectStepCompleted", "ResultsPublished", "ImpactCommunicated")


def fact_from_event(event: Event) -> dict:
    data = event.data
    when = data.get(TIME_FIELDS.get(event.name, "")) or event.time
    moment = parse_time(when)
    local = moment.astimezone(CITY_TIME)
    if data.get("area"):
        areas = [data["area"]]
    else:
        areas = sorted(set(data.get("areas") or []))
    return {
        "_id": event.id,
        "name": event.name,
        "subject": event.subject,
        "at": moment,
        "month": local.strftime("%Y-%m"),
        "year": local.strftime("%Y"),
        "unit": data.get("unit") or None,
        "areas": areas,
        "project_id": data.get("project_id") or None,
        "data": data,
    }
