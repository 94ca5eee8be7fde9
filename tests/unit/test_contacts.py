from datetime import UTC, datetime

import pytest

from services.common.errors import ValidationFailed
from services.notifications import contacts

NOW = datetime(2026, 11, 29, tzinfo=UTC)


def test_registration_returns_a_pseudonymous_id():
    contact = contacts.register({"email": "maija@example.fi", "language": "sv",
                                 "consents": {"answer": True, "impact": True}}, now=NOW)
    assert contact.participant_id.startswith("p-") and len(contact.participant_id) == 34
    assert "maija" not in contact.participant_id


@pytest.mark.parametrize("payload, field", [
    ({}, "email"),
    ({"email": "not-an-address"}, "email"),
    ({"phone": "call me"}, "phone"),
    ({"email": "a@b.fi", "consents": {"spam": True}}, "consents"),
    ({"email": "a@b.fi", "language": "Finnish"}, "language"),
])
def test_bad_contact_details_get_reasons(payload, field):
    with pytest.raises(ValidationFailed) as caught:
        contacts.register(payload, now=NOW)
    assert field in caught.value.fields
