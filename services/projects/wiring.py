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

wiring = Wiring(
    router=router,
    documents=[ProjectDocument, RegistrationDocument, RatingDocument, PlanDocument],
    handlers={"FeedbackReceived": feedback_received},
    # The embedded default flags overdue steps too (the nameko service has its own @timer).
    periodic=[Periodic(interval=60, run=lambda ctx: reminders.tick(ctx.clock()))],
)
