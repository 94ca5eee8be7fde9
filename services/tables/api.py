"""The tables service's internal HTTP API: public routes and coordinators' routes."""

from services.common.httpapi import Router
from services.common.standard_routes import add_health_routes
from services.tables import public_api, staff_api

router = Router()
add_health_routes(router)
for method, pattern, handler in (*public_api.ROUTES, *staff_api.ROUTES):
    router.route(method, pattern)(handler)
