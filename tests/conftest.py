"""Shared fixtures: the embedded store for unit tests."""

import pytest

from services.common import store
from services.common.topology import SERVICES


@pytest.fixture
def embedded_store():
    """Fresh in-memory databases for every service (mongomock; unit tests only)."""
    for name in SERVICES:
        store.disconnect(name)
        store.connect_embedded(name)
    yield
    for name in SERVICES:
        store.disconnect(name)


@pytest.fixture(autouse=True, scope="session")
def _dev_issuer_key(tmp_path_factory):
    """Tests never touch the developer's own development-issuer key."""
    import os

    os.environ["KUULTU_DEV_KEY"] = str(tmp_path_factory.mktemp("dev-issuer") / "key.pem")
