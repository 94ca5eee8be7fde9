"""The gateway on the real stack: services reached over HTTP at KUULTU_<SERVICE>_URL."""

import os

from services.common.config import env_flag
from services.common.topology import SERVICES
from services.gateway import auth, dev_issuer
from services.gateway.app import create_app
from services.gateway.clients import HttpServiceClient
from services.gateway.oidc import HttpOidcClient
from services.gateway.sessions import codec_from_env


def service_url(name: str) -> str:
    return os.environ.get(f"KUULTU_{name.upper()}_URL") or f"http://127.0.0.1:{SERVICES[name].port}"


def build_app():
    verifier, oidc = auth.verifier_from_env(), None
    if verifier is not None:
        oidc = HttpOidcClient(os.environ["KUULTU_OIDC_ISSUER"],
                              os.environ.get("KUULTU_OIDC_CLIENT_ID", "kuultu"), verifier,
                              client_secret=os.environ.get("KUULTU_OIDC_CLIENT_SECRET"))
    elif env_flag("KUULTU_DEV_ISSUER", False):  # local runs only; never set on Kubernetes
        verifier, oidc = dev_issuer.token_verifier(), dev_issuer.DevOidcClient()
    origins = [o.strip() for o in os.environ.get("KUULTU_CORS_ORIGINS", "").split(",") if o.strip()]
    return create_app({name: HttpServiceClient(name, service_url(name)) for name in SERVICES},
                      verifier=verifier, oidc=oidc, sessions=codec_from_env(),
                      cors_origins=origins)
