"""Every main page is checked with axe-core in headless Chromium: no WCAG 2.1 A/AA violation
of serious or critical impact."""

import pytest

from tests.browser.conftest import serious_violations, sign_in

PUBLIC_PAGES = ["/", "/?lang=en", "/?lang=sv", "/no-such-page"]
STAFF_PAGES = ["/staff"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_have_no_serious_violations(page, axe_source, path):
    page.goto(path)
    assert serious_violations(page, axe_source) == []


def test_feedback_receipt_and_status_pages(page, axe_source):
    page.goto("/")
    page.fill("#text", "Kauppatorin penkit ovat rikki.")
    page.select_option("#kind", "complaint")
    page.select_option("#area", "keskusta")
    page.click("form[action='/feedback'] button[type=submit]")
    code = page.text_content("strong.code")
    assert code.startswith("KL-")
    assert serious_violations(page, axe_source) == []
    page.click("a[href^='/feedback/receipt']")
    assert code in page.text_content("h1")
    assert serious_violations(page, axe_source) == []


def test_sign_in_page_and_staff_pages(page, axe_source):
    page.goto("/auth/login?next=/staff")
    assert serious_violations(page, axe_source) == []
    page.go_back()
    sign_in(page)
    for path in STAFF_PAGES:
        page.goto(path)
        assert serious_violations(page, axe_source) == [], path


def test_the_checker_finds_a_known_violation(page, axe_source):
    """Guards the guard: a form field without a label must be reported."""
    page.set_content('<html lang="fi"><title>x</title><main><input id="q"></main></html>')
    found = serious_violations(page, axe_source)
    assert any(v["id"] == "label" for v in found), found
