"""Open311 API keys: issued to named clients, shown once, stored only as a SHA-256 hash.

The keys are 256-bit random values, so a fast hash is enough (no password stretching)."""

import hashlib
import os
import secrets
import uuid
from datetime import datetime
from pathlib import Path

from services.common.envelope import iso, utcnow
from services.common.errors import NotFound, ValidationFailed
from services.feedback.documents import Open311KeyDocument

KEY_PREFIX = "o311-"
DEV_KEY_NAME = "development (embedded default)"


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _name(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 80:
        raise ValidationFailed({"name": "is required: the client's name, at most 80 characters"})
    return value.strip()


def create(name: object, *, now: datetime, created_by: str | None) -> tuple[dict, str]:
    """Returns the key's description and the key itself, which is never stored."""
    key = new_key()
    doc = Open311KeyDocument(id=str(uuid.uuid4()), name=_name(name), key_hash=key_hash(key),
                             created_at=now, created_by=created_by)
    doc.save(force_insert=True)
    return describe(doc), key


def describe(doc: Open311KeyDocument) -> dict:
    return {"id": doc.id, "name": doc.name, "created_at": iso(doc.created_at),
            "created_by": doc.created_by,
            "revoked_at": iso(doc.revoked_at) if doc.revoked_at else None}


def verify(key: object) -> Open311KeyDocument | None:
    """The active key document for `key`, or None."""
    if not isinstance(key, str) or not key.startswith(KEY_PREFIX):
        return None
    return Open311KeyDocument.objects(key_hash=key_hash(key), revoked_at=None).first()


def listing() -> list[dict]:
    return [describe(doc) for doc in Open311KeyDocument.objects.order_by("created_at")]


def revoke(key_id: str, *, now: datetime) -> dict:
    doc = Open311KeyDocument.objects(id=key_id).first()
    if doc is None:
        raise NotFound(f"No Open311 key {key_id}.")
    if doc.revoked_at is None:
        doc.revoked_at = now
        doc.save()
    return describe(doc)


def dev_key_path() -> Path:
    """Next to the development issuer's key, so tests that move one move both."""
    configured = os.environ.get("KUULTU_OPEN311_DEV_KEY_FILE")
    if configured:
        return Path(configured)
    issuer_key = os.environ.get("KUULTU_DEV_KEY")
    folder = Path(issuer_key).parent if issuer_key else Path.home() / ".config" / "kuultu"
    return folder / "open311-dev-key"


def dev_key() -> str:
    """The development key of this machine, created on first use (embedded default only)."""
    path = dev_key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(new_key() + "\n")
    return path.read_text().strip()


def install_dev_key(platform) -> str:
    """Makes the development key valid in an embedded platform; returns it to be printed."""
    key = dev_key()
    with platform.lock:
        if verify(key) is None:
            Open311KeyDocument(id=str(uuid.uuid4()), name=DEV_KEY_NAME, key_hash=key_hash(key),
                               created_at=utcnow(), created_by="kuultu run").save(
                force_insert=True)
    return key
