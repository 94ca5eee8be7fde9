"""Every main page, public and staff, is checked with axe-core in headless Chromium: no WCAG
2.1 A/AA violation of serious or critical impact. Pages that show one item (a project, a
body, a call...) are reached through the demo data's own links, as a person would."""

import pytest

from tests.browser.conftest import serious_violations, sign_in

PUBLIC_PAGES = ["/", "/?lang=en", "/?lang=sv", "/projects", "/tables", "/tables/withdraw",
                "/notifications/subscribe", "/auth/login?next=/staff"]
# Pages that show one item: (the page listing them, the links to follow, how many to check).
# Projects are all checked (each phase or step shows other sections and forms); of the rest,
# a spread across the list, first to last (bodies of each kind), keeps the run short.
ALL = None
PUBLIC_LINKED_PAGES = {
    "published project": ("/projects", "main a[href^='/projects/']", ALL),
    "body": ("/tables", "main a[href^='/tables/bodies/']", 3),
}
# Admin sees every unit's items.
STAFF_PAGES = [
    "/staff", "/staff/feedback", "/staff/open311-keys", "/staff/projects",
    "/staff/projects/new", "/staff/tables", "/staff/notifications",
    "/staff/notifications/outbox", "/staff/notifications/templates", "/staff/evaluation",
    "/staff/evaluation/indicators", "/staff/evaluation/projects", "/staff/evaluation/rebuilds",
]
STAFF_LINKED_PAGES = {
    "feedback detail": ("/staff/feedback", "main a[href^='/staff/feedback/']", 2),
    "project": ("/staff/projects", "main a[href^='/staff/projects/']:not([href$='/new'])", ALL),
    "participation plan": ("/staff/projects", "main a[href^='/staff/plans/']", 1),
    "call": ("/staff/tables", "main a[href^='/staff/tables/calls/']:not([href*='/selection/'])",
             1),
    "selection": ("/staff/tables", "main a[href*='/selection/']", 1),
    "body": ("/staff/tables", "main a[href^='/staff/tables/bodies/']", 3),
    "message": ("/staff/notifications", "main a[href^='/staff/notifications/messages/']", 1),
}


def _links(page, listing: str, selector: str, limit: int | None = ALL) -> list[str]:
    """The pages `listing` links to, or `limit` of them spread from the first to the last."""
    page.goto(listing)
    hrefs = page.eval_on_selector_all(selector, "links => links.map(a => a.getAttribute('href'))")
    hrefs = list(dict.fromkeys(hrefs))
    assert hrefs, f"{listing} has no link matching {selector}: the demo data changed?"
    if limit is ALL or len(hrefs) <= limit:
        return hrefs
    if limit == 1:
        return hrefs[:1]
    return [hrefs[round(i * (len(hrefs) - 1) / (limit - 1))] for i in range(limit)]


def _violations(page, axe_source, paths: list[str]) -> dict[str, list[dict]]:
    """Each page's serious violations (rule, impact, targets), only for pages that have any."""
    found = {}
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, f"{path} answered {response.status}"
        violations = serious_violations(page, axe_source)
        if violations:
            found[path] = violations
    return found


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_have_no_serious_violations(page, axe_source, path):
    assert _violations(page, axe_source, [path]) == {}


@pytest.mark.parametrize("kind", PUBLIC_LINKED_PAGES)
def test_public_item_pages_have_no_serious_violations(page, axe_source, kind):
    paths = _links(page, *PUBLIC_LINKED_PAGES[kind])
    assert _violations(page, axe_source, paths) == {}


def test_open_call_page_with_its_application_form(page, axe_source):
    call = _links(page, "/tables", "main a[href^='/tables/calls/']", 1)[0]
    page.goto(call)
    assert page.locator(f"main form[action='{call}'] button[type=submit]").count() == 1
    assert serious_violations(page, axe_source) == []


def test_page_not_found(page, axe_source):
    response = page.goto("/no-such-page")
    assert response.status == 404
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


@pytest.fixture(scope="module")
def admin(browser, base_url):
    """One signed-in admin for all the staff pages: signing in once keeps the run short."""
    context = browser.new_context(base_url=base_url, locale="fi-FI")
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, role="admin", unit="urban-environment", name="Aino Ylläpitäjä")
    yield page
    context.close()


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_pages_have_no_serious_violations(admin, axe_source, path):
    assert _violations(admin, axe_source, [path]) == {}


@pytest.mark.parametrize("kind", STAFF_LINKED_PAGES)
def test_staff_item_pages_have_no_serious_violations(admin, axe_source, kind):
    paths = _links(admin, *STAFF_LINKED_PAGES[kind])
    assert _violations(admin, axe_source, paths) == {}


def test_the_checker_finds_a_known_violation(page, axe_source):
    """Guards the guard: a form field without a label must be reported."""
    page.set_content('<html lang="fi"><title>x</title><main><input id="q"></main></html>')
    found = serious_violations(page, axe_source)
    assert any(v["id"] == "label" for v in found), found
