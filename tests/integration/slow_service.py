"""A nameko service whose handler is busy for 10 s on some events: used to prove that the
consumer stays in its group (heartbeats keep flowing under eventlet) and loses nothing."""

import os
import time

from services.common.nameko_ext import consume

TOPIC = os.environ["SLOW_TOPIC"]
GROUP = os.environ["SLOW_GROUP"]
OUT = os.environ["SLOW_OUT"]
BUSY_SECONDS = float(os.environ.get("SLOW_SECONDS", "10"))


class SlowService:
    name = "slow"

    @consume(topics=[TOPIC], events=["FeedbackReceived"], group_id=GROUP)
    def on_event(self, event):
        if event.data.get("district") == "busy":
            time.sleep(BUSY_SECONDS)  # green under nameko's eventlet: other threads run
        with open(OUT, "a") as out:
            out.write(event.id + "\n")
