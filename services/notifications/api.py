"""The notifications service's internal HTTP API: the contact registry for now."""

from dataclasses import asdict

from services.common.context import ServiceContext
from services.common.errors import NotFound
from services.common.httpapi import Request, Response, Router
from services.common.standard_routes import add_health_routes
from services.notifications import contacts
from services.notifications.documents import ContactDocument

router = Router()
add_health_routes(router)


@router.route("POST", "/contacts")
def register_contact(request: Request, ctx: ServiceContext) -> Response:
    """Stores contact details and consents; returns only the pseudonymous participant id."""
    contact = contacts.register(request.json_object(), now=ctx.clock())
    ContactDocument(**asdict(contact)).save(force_insert=True)
    return Response(201, {"participant_id": contact.participant_id})


@router.route("DELETE", "/contacts/{participant_id}")
def erase_contact(request: Request, ctx: ServiceContext) -> Response:
    """Erasure on request: the contact details are removed for good."""
    deleted = ContactDocument.objects(participant_id=request.params["participant_id"]).delete()
    if not deleted:
        raise NotFound("No such contact.")
    return Response(200, {"erased": request.params["participant_id"]})
