"""The tables service's internal HTTP API."""

from services.common.httpapi import Router
from services.common.standard_routes import add_health_routes

router = Router()
add_health_routes(router)
