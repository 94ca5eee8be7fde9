from services.common.wiring import Wiring
from services.feedback import (
    open311_api,  # noqa: F401  (registers the Open311 routes)
    overdue,
)
from services.feedback.api import router
from services.feedback.documents import FeedbackDocument

overdue.register()

wiring = Wiring(router=router, documents=[FeedbackDocument])
