"""The gateway on the real stack: services reached over HTTP at KUULTU_<SERVICE>_URL."""

import os

from services.common.topology import SERVICES
from services.gateway.app import create_app
from services.gateway.clients import HttpServiceClient


def service_url(name: str) -> str:
    return os.environ.get(f"KUULTU_{name.upper()}_URL") or f"http://127.0.0.1:{SERVICES[name].port}"


def build_app():
    return create_app({name: HttpServiceClient(name, service_url(name)) for name in SERVICES})
