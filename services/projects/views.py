"""What staff and residents see of a project. Framework-free."""

from datetime import date, datetime

from services.common.envelope import iso
from services.projects.catalogue import Catalogue
from services.projects.domain import Project
from services.projects.participation import SATISFACTION_QUESTION, session_started
from services.projects.steps import LABELS, STEP_COUNT, step


def step_name(number: int) -> dict:
    if number > STEP_COUNT:
        return {"key": "finished", "en": "Finished: impact communicated",
                "fi": "Valmis: vaikutuksista viestitty"}
    current = step(number)
    return {"key": current.key, "en": current.en, "fi": current.fi}


def _methods(project: Project, catalogue: Catalogue) -> list[dict]:
    named = []
    for method_id in project.methods:
        method = catalogue.method(method_id)
        named.append({"id": method_id, "en": method.en if method else method_id,
                      "fi": method.fi if method else method_id})
    return named


def card(project: Project, today: date) -> dict:
    """A project on the staff board."""
    return {
        "id": project.id, "title": project.title, "unit": project.unit,
        "responsible": project.responsible, "responsible_name": project.responsible_name,
        "areas": project.areas, "topic": project.topic,
        "current_step": project.current_step, "step": step_name(project.current_step),
        "due_on": project.current_due_on, "overdue": project.days_overdue(today) > 0,
        "days_overdue": project.days_overdue(today), "published": project.published,
        "finished": project.finished,
    }


def staff_view(project: Project, catalogue: Catalogue, today: date, *,
               registrations: dict[str, int], satisfaction: dict,
               linked_feedback: list[str]) -> dict:
    """Everything about a project, for the staff who run it."""
    current = project.current_step
    return {
        **card(project, today),
        "starts_on": project.starts_on, "ends_on": project.ends_on,
        "created_at": iso(project.created_at), "created_by": project.created_by,
        "published_at": iso(project.published_at) if project.published_at else None,
        "methods": _methods(project, catalogue),
        "participant_count": project.participant_count,
        "steps": [{
            "number": s.number, **step_name(s.number),
            "status": "completed" if s.completed else
                      "current" if s.number == current else "not_started",
            "completed_at": iso(s.completed_at) if s.completed_at else None,
            "completed_by": s.completed_by, "due_on": s.due_on, "revision": s.revision,
            "reopened": not s.completed and s.revision > 0,
            "outputs": s.outputs,
        } for s in project.steps],
        "sessions": [{**s, "registered": registrations.get(s["id"], 0)}
                     for s in project.sessions],
        "registration_open": project.registration_open,
        "satisfaction": {**satisfaction, "open": project.satisfaction_open},
        "linked_feedback": {"count": len(linked_feedback), "ids": linked_feedback},
        "history": project.history,
    }


def summary(project: Project) -> dict:
    """A published project in the public list."""
    goal = project.outputs(1)
    return {
        "id": project.id, "title": project.title, "topic": project.topic,
        "areas": project.areas, "unit": project.unit,
        "starts_on": project.starts_on, "ends_on": project.ends_on,
        "phase": _phase(project), "current_step": min(project.current_step, STEP_COUNT),
        "step": step_name(project.current_step),
        "goal": goal.get("plain_language_goal") or goal.get("goal"),
        "url": f"/projects/{project.id}",
    }


def _phase(project: Project) -> str:
    """Where a resident would say the project is."""
    if project.finished:
        return "impact_communicated"
    if project.state(6).completed:
        return "decided"
    if project.state(5).completed:
        return "results_published"
    if project.state(4).completed:
        return "processing_results"
    return "open_for_participation"


def public_view(project: Project, catalogue: Catalogue, *, registrations: dict[str, int],
                satisfaction: dict, now: datetime) -> dict:
    """A published project: its goal, how to take part, its results and its impact, in plain
    language where staff wrote it. No staff or participant details."""
    goal, method, invite = project.outputs(1), project.outputs(2), project.outputs(3)
    results, decision, impact = project.outputs(5), project.outputs(6), project.outputs(7)
    return {
        **summary(project),
        "goal_full": goal.get("goal"),
        "input_wanted": goal.get("input_wanted"),
        "target_groups": goal.get("target_groups", []),
        "how_to_take_part": invite.get("plain_language_how_to") or invite.get("how_to_take_part"),
        "how_to_take_part_full": invite.get("how_to_take_part"),
        "plain_language": invite.get("plain_language", False),
        "languages": invite.get("languages", []),
        "methods": _methods(project, catalogue),
        "mode": {"value": method.get("mode"), "en": LABELS.get(method.get("mode"))}
        if method else None,
        "participation_window": {"opens": method.get("starts_on"),
                                 "closes": method.get("ends_on")} if method else None,
        "sessions": [{
            "id": s["id"], "title": s["title"], "starts_at": s["starts_at"],
            "place": s.get("place"), "capacity": s.get("capacity"),
            "places_left": None if s.get("capacity") is None
            else max(0, s["capacity"] - registrations.get(s["id"], 0)),
            "registration_open": project.registration_open and not session_started(s, now),
        } for s in project.sessions],
        "steps": [{"number": s.number, **step_name(s.number), "done": s.completed}
                  for s in project.steps],
        "participant_count": project.participant_count,
        "results": {
            "summary": results["results_summary"],
            "plain_language_summary": results["plain_language_summary"],
            "next_steps": results["next_steps"], "url": results.get("results_url"),
        } if results else None,
        "decision": {
            "body": decision["decision_body"], "decided_on": decision["decided_on"],
            "reference": decision["reference"],
            "taken_into_account": decision["taken_into_account"],
            "not_taken_into_account": decision.get("not_taken_into_account"),
            "url": decision.get("decision_url"),
        } if decision else None,
        "impact": {
            "statement": impact["impact_statement"],
            "plain_language_statement": impact["plain_language_statement"],
            "participant_count": impact["participant_count"], "thanks": impact.get("thanks"),
        } if impact else None,
        "satisfaction": {"open": project.satisfaction_open, "question": SATISFACTION_QUESTION,
                         "answers": satisfaction.get("answers", 0)},
    }
