"""Who is told what, in which template, and when a failed send is tried again."""

from datetime import UTC, datetime, timedelta

import pytest

from services.notifications import domain
from services.notifications.domain import RetryPolicy, choose_recipients, template_variant

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
ANNA, BERTIL, CHEN = "p-" + "a" * 32, "p-" + "b" * 32, "p-" + "c" * 32


@pytest.mark.parametrize("language, plain, variant", [
    ("fi", False, "fi"),
    ("fi", True, "fi-plain"),
    ("sv", False, "sv"),
    ("sv", True, "sv"),  # a Swedish reader keeps Swedish: selkokieli is Finnish
    ("en", False, "en"),
    ("en", True, "en"),
    ("ru", False, "en"),  # no Russian texts: English
    ("ru", True, "fi-plain"),  # selkokieli is also written for people learning Finnish
    (None, False, "en"),
])
def test_the_template_follows_language_and_plain_language(language, plain, variant):
    assert template_variant(language, plain) == variant
    assert domain.variant_language(variant) in ("fi", "sv", "en")


def test_only_people_who_consented_to_the_purpose_are_chosen():
    consents = {ANNA: {"impact": True}, BERTIL: {"impact": False, "results": True}}
    chosen = choose_recipients("ImpactCommunicated", [ANNA, BERTIL, CHEN], [], consents)
    assert [(r.participant_id, r.trigger, r.purpose) for r in chosen] == [
        (ANNA, "ImpactCommunicated", "impact")]


def test_a_participant_who_also_subscribed_gets_one_message_not_two():
    consents = {ANNA: {"results": True, "area_updates": True},
                BERTIL: {"results": False, "area_updates": True},
                CHEN: {"area_updates": True}}
    chosen = choose_recipients("ResultsPublished", [ANNA, BERTIL, ANNA], [ANNA, BERTIL, CHEN],
                               consents)
    assert {r.participant_id: r.trigger for r in chosen} == {
        ANNA: "ResultsPublished",  # told as a participant
        BERTIL: "AreaUpdate",  # took part, but agreed only to hear about the area
        CHEN: "AreaUpdate",
    }
    assert len(chosen) == 3


def test_subscribers_without_area_consent_are_not_chosen():
    chosen = choose_recipients("ResultsPublished", [], [ANNA], {ANNA: {"area_updates": False}})
    assert chosen == []


def test_message_ids_are_stable_per_trigger_and_person():
    event_a, event_b = "3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c", "4f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c"
    assert domain.message_id(event_a, ANNA) == domain.message_id(event_a, ANNA)
    assert len({domain.message_id(event_a, ANNA), domain.message_id(event_a, BERTIL),
                domain.message_id(event_b, ANNA)}) == 3


def test_results_go_to_those_who_had_taken_part_by_then():
    assert domain.took_part_in_time(NOW - timedelta(days=1), NOW)
    assert domain.took_part_in_time(NOW, NOW)
    assert not domain.took_part_in_time(NOW + timedelta(seconds=1), NOW)


def test_rendering_context_keeps_no_list_of_other_recipients():
    data = {"statement_id": "s", "member_ids": [ANNA, BERTIL], "participant_id": ANNA,
            "answer_summary": "Yes."}
    assert domain.rendering_context(data) == {"statement_id": "s", "answer_summary": "Yes."}


def test_backoff_doubles_up_to_the_limit():
    policy = RetryPolicy(max_attempts=10, first_delay=60, max_delay=600)
    assert [policy.delay(n) for n in range(1, 7)] == [60, 120, 240, 480, 600, 600]


def test_temporary_failures_are_retried_until_the_attempts_run_out():
    policy = RetryPolicy(max_attempts=3, first_delay=60, max_delay=3600)
    assert policy.next_attempt(1, False, NOW) == NOW + timedelta(seconds=60)
    assert policy.next_attempt(2, False, NOW) == NOW + timedelta(seconds=120)
    assert policy.next_attempt(3, False, NOW) is None  # given up: shown as failed


def test_a_permanent_refusal_is_not_repeated():
    assert RetryPolicy().next_attempt(1, True, NOW) is None


@pytest.mark.parametrize("text", [
    "550 5.1.1 <maija.meikalainen@example.fi>: Recipient address rejected",
    "SMS gateway refused +358 40 123 4567",
])
def test_errors_in_the_delivery_log_carry_no_address(text):
    redacted = domain.redact(text)
    assert "@" not in redacted and "123 4567" not in redacted
    assert redacted.split()[0] in ("550", "SMS")


def test_masked_addresses_show_only_a_hint():
    assert domain.mask_address("maija@example.fi") == "m***@example.fi"
    assert domain.mask_address("+358 40 123 4567") == "***67"
