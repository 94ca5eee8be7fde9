"""The peer of the gateway intake benchmark: a bare FastAPI endpoint that takes the same JSON
body and answers 201, served the same way (uvicorn, one worker, no access log). What the
platform adds on top of it is the gateway's middleware, the call to the feedback service,
validation and the durable write with its event."""

import uuid
from typing import Annotated

from fastapi import Body, FastAPI

app = FastAPI()


@app.post("/api/v1/feedback", status_code=201)
async def submit(payload: Annotated[dict, Body()]) -> dict:
    return {"id": str(uuid.uuid4()), "status": "received", "fields": len(payload)}
