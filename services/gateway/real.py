"""The gateway on the real stack: services reached over HTTP at KUULTU_<SERVICE>_URL."""

import os

from services.common.config import env_flag
from services.common.topology import SERVICES
from services.gateway import auth, dev_issuer
from services.gateway.app import create_app
from services.gateway.clients import HttpServiceClient


def service_url(name: str) -> str:
    return os.environ.get(f"KUULTU_{name.upper()}_URL") or f"http://127.0.0.1:{SERVICES[name].port}"


def build_app():
    verifier = auth.verifier_from_env()
    if verifier is None and env_flag("KUULTU_DEV_ISSUER", False):
        verifier = dev_issuer.verifier()  # local runs only; never set on Kubernetes
    return create_app({name: HttpServiceClient(name, service_url(name)) for name in SERVICES},
                      verifier=verifier)
