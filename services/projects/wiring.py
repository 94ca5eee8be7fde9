import os

from services.common.wiring import Periodic, Wiring
from services.projects import reminders
from services.projects.api import router
from services.projects.documents import (
    PlanDocument,
    ProjectDocument,
    RatingDocument,
    RegistrationDocument,
)
from services.projects.inbound import feedback_received

REMINDER_SECONDS = float(os.environ.get("KUULTU_PROJECTS_REMINDER_SECONDS") or 900)

wiring = Wiring(
    router=router,
    documents=[ProjectDocument, RegistrationDocument, RatingDocument, PlanDocument],
    handlers={"FeedbackReceived": feedback_received},
    periodic=[Periodic("reminders", REMINDER_SECONDS,
                       lambda ctx: reminders.tick(ctx.clock()))],
)
