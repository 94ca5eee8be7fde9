"""Public routes of the projects service: published projects, session registration and the
satisfaction question. The gateway registers any contact details at the notifications
service first and passes only the pseudonymous participant id."""

from services.common.context import ServiceContext
from services.common.errors import Conflict, NotFound, ValidationFailed
from services.common.httpapi import Request, Response, Router
from services.common.vocabulary import AREAS
from services.projects import catalogue, participation, repository, views
from services.projects.documents import rating_to_document, registration_to_document
from services.projects.domain import Project

PHASES = ("open_for_participation", "processing_results", "results_published", "decided",
          "impact_communicated")


def published(project_id: str) -> tuple[Project, int]:
    project, version = repository.load_project(project_id)
    if not project.published:  # drafts are not public, and not said to exist
        raise NotFound(f"No project {project_id}.")
    return project, version


def add_routes(router: Router) -> None:
    @router.route("GET", "/public/projects")
    def list_published(request: Request, ctx: ServiceContext) -> Response:
        area, phase = request.query.get("area"), request.query.get("phase")
        errors = {}
        if area and area not in AREAS:
            errors["area"] = f"unknown area; allowed values: {', '.join(AREAS)}"
        if phase and phase not in PHASES:
            errors["phase"] = f"unknown phase; allowed values: {', '.join(PHASES)}"
        if errors:
            raise ValidationFailed(errors)
        filters = {"published": True, **({"areas": area} if area else {})}
        items = [views.summary(p) for p in repository.find_projects(**filters)]
        if phase:
            items = [i for i in items if i["phase"] == phase]
        # Newest first, the ones still going on before the finished ones.
        items.sort(key=lambda i: i["starts_on"], reverse=True)
        items.sort(key=lambda i: i["phase"] == "impact_communicated")
        return Response(200, {"projects": items, "count": len(items)})

    @router.route("GET", "/public/projects/{id}")
    def get_published(request: Request, ctx: ServiceContext) -> Response:
        project, _ = published(request.params["id"])
        return Response(200, views.public_view(
            project, catalogue.default(),
            registrations=repository.registration_counts(project.id),
            satisfaction=repository.satisfaction(project.id), now=ctx.clock()))

    @router.route("POST", "/public/projects/{id}/sessions/{session}/registrations")
    def register(request: Request, ctx: ServiceContext) -> Response:
        project, _ = published(request.params["id"])
        registration = participation.register(project, request.params["session"],
                                               request.body, now=ctx.clock())
        session = next(s for s in project.sessions if s["id"] == registration.session_id)
        seat = f"{project.id}:{session['id']}"
        if session.get("capacity") is not None:
            repository.reserve_seat(seat, session["capacity"])
        reply = {"project_id": project.id, "session_id": session["id"],
                 "session_title": session["title"], "starts_at": session["starts_at"],
                 "registered": True}
        try:
            repository.emit(registration_to_document(registration), registration.events,
                            project.id, ctx, request.correlation_id)
        except Conflict:  # the same person registered already: nothing new
            if session.get("capacity") is not None:
                repository.release_seat(seat)
            return Response(200, reply)
        except Exception:
            if session.get("capacity") is not None:
                repository.release_seat(seat)
            raise
        return Response(201, reply)

    @router.route("POST", "/public/projects/{id}/satisfaction")
    def answer_satisfaction(request: Request, ctx: ServiceContext) -> Response:
        project, _ = published(request.params["id"])
        rating = participation.rate(project, request.body, now=ctx.clock())
        try:
            repository.emit(rating_to_document(rating), rating.events, project.id, ctx,
                            request.correlation_id)
        except Conflict:
            raise Conflict("This participant has answered already; thank you.") from None
        return Response(201, {"project_id": project.id, "thanks": True,
                              "answers": repository.satisfaction(project.id)["answers"]})
