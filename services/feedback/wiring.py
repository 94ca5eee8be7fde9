from services.common.wiring import Wiring
from services.feedback.api import router
from services.feedback.documents import FeedbackDocument

wiring = Wiring(router=router, documents=[FeedbackDocument])
