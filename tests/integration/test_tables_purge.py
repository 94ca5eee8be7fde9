"""`kuultu tables purge` on FerretDB: the personal fields of an application whose retention
has ended are removed from the stored document, and a dry run changes nothing."""

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime

import mongoengine

from services.tables.applications import Application
from services.tables.calls import Call
from services.tables.documents import ApplicationDocument, CallDocument, to_document


def purge(database: str, *flags: str) -> dict:
    env = {**os.environ, "KUULTU_MONGO_DATABASE": database,
           "KUULTU_TABLES_RETENTION_DAYS": "30"}
    done = subprocess.run([sys.executable, "-m", "services.cli", "tables", "purge", *flags],
                          env=env, capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_purge_command_removes_expired_personal_data(mongo):
    database = f"{mongo}_tables"
    call = Call(id=str(uuid.uuid4()), title="Vanha haku", body_ids=["table-itainen"],
                opens_on=date(2024, 1, 1), closes_on=date(2024, 2, 1),
                term_start=date(2024, 3, 1), created_at=datetime(2024, 1, 1, tzinfo=UTC),
                created_by="test")
    to_document(call, CallDocument).save(force_insert=True)
    application = Application(
        id=str(uuid.uuid4()), call_id=call.id, body_id="table-itainen", age_band="30-44",
        area="itainen", represents="association", language="fi",
        submitted_at=datetime(2024, 1, 15, tzinfo=UTC), name="Vanha Hakija",
        date_of_birth=date(1990, 1, 1), motivation="Puistot", organisation="Kyläyhdistys",
        withdrawal_code_hash="0" * 64)
    to_document(application, ApplicationDocument).save(force_insert=True)
    stored = mongoengine.get_db("tables")["applications"]

    assert purge(database, "--dry-run")["due"] == 1
    assert stored.find_one({"_id": application.id})["name"] == "Vanha Hakija"

    result = purge(database)
    assert (result["due"], result["anonymised"], result["retention_days"]) == (1, 1, 30)
    document = stored.find_one({"_id": application.id})
    for field in ("name", "date_of_birth", "motivation", "organisation", "withdrawal_code_hash"):
        assert field not in document
    assert document["age_band"] == "30-44" and document["anonymised_at"] is not None
    assert purge(database)["due"] == 0
