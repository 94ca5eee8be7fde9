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


def test_registration_keeps_subscriptions_and_consents():
    contact = contacts.register({"phone": "+358 40 123 4567", "language": "fi",
                                 "consents": {"area_updates": True},
                                 "areas": ["itainen", "itainen"], "topics": ["culture"]},
                                now=NOW)
    assert contact.areas == ["itainen"] and contact.topics == ["culture"]
    assert contact.consents_to("area_updates") and not contact.consents_to("impact")
    assert contact.confirm_token is None


@pytest.mark.parametrize("payload, field", [
    ({"email": "a@b.fi", "areas": ["mars"]}, "areas"),
    ({"email": "a@b.fi", "areas": "keskusta"}, "areas"),
    ({"email": "a@b.fi", "topics": ["Not A Code!"]}, "topics"),
    ({"email": "a@b.fi", "plain_language": "yes"}, "plain_language"),
])
def test_bad_subscriptions_get_reasons(payload, field):
    with pytest.raises(ValidationFailed) as caught:
        contacts.register(payload, now=NOW)
    assert field in caught.value.fields


def test_a_public_subscription_gives_no_consent_until_confirmed():
    contact = contacts.subscribe({"email": "maija@example.fi", "areas": ["keskusta"]}, now=NOW)
    assert not contact.consents_to("area_updates")
    assert contact.confirm_token
    contacts.confirm(contact)
    assert contact.consents_to("area_updates") and contact.confirm_token is None


@pytest.mark.parametrize("payload, field", [
    ({"email": "maija@example.fi"}, "areas"),  # nothing to hear about
    ({"email": "maija@example.fi", "areas": ["keskusta"], "consents": {}}, "consents"),
    ({"areas": ["keskusta"]}, "email"),
])
def test_a_subscription_needs_an_address_and_something_to_hear_about(payload, field):
    with pytest.raises(ValidationFailed) as caught:
        contacts.subscribe(payload, now=NOW)
    assert field in caught.value.fields


def test_unsubscribing_withdraws_every_consent_and_subscription():
    contact = contacts.register({"email": "a@b.fi", "consents": dict.fromkeys(
        contacts.PURPOSES, True), "areas": ["keskusta"]}, now=NOW)
    contacts.unsubscribe(contact)
    assert not any(contact.consents_to(p) for p in contacts.PURPOSES)
    assert contact.areas == [] and contact.topics == []
    assert contact.consents_to(None)  # a confirmation needs no consent
