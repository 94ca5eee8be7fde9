"""A coordinator runs a participation project through the seven steps in a real browser:
the new-project form, each step's form filled as a person would, one refusal, one reopening
with a reason, and at the end the public page with the results and the impact."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import serious_violations, sign_in

TITLE = "Launeen perhepuiston leikkipaikka"
RESULTS = "Asukkaat toivoivat varjoa, penkkejä ja esteettömän keinun."
RESULTS_PLAIN = "Asukkaat haluavat varjoa ja penkkejä."
RESULTS_PLAIN_FIXED = "Asukkaat haluavat varjoa, penkkejä ja keinun kaikille."
IMPACT = "Suunnitelmaan lisättiin kolme varjopuuta ja esteetön keinu asukkaiden toiveesta."
IMPACT_PLAIN = "Teidän toiveestanne leikkipaikalle tulee puita ja keinu kaikille."
REOPEN_REASON = "Selkokielinen yhteenveto unohti esteettömän keinun."
AFTER_SUBMIT = 15_000  # ms to wait for the page a submit leads to (the machine may be busy)


def _submit(page, step: int, action: str = "complete"):
    page.click(f"form[action$='/steps/{step}/{action}'] button[type=submit]")


def _expect_current_step(page, number: int):
    """The page shows the step to do next (waits for the new page after a submit)."""
    expect(page.locator("h2#current")).to_have_text(re.compile(rf"^{number}\. "),
                                                        timeout=AFTER_SUBMIT)


def _expect_completed(page, number: int):
    """Only a complete step offers to be reopened."""
    expect(page.locator(f"form[action$='/steps/{number}/reopen']")).to_be_visible(
        timeout=AFTER_SUBMIT)


def test_a_coordinator_runs_a_project_through_the_seven_steps(page, axe_source):
    sign_in(page, role="coordinator", unit="urban-environment", name="Kaisa Koordinaattori")

    # -- the new-project form, reached from the board
    page.goto("/staff/projects")
    page.click("a[href='/staff/projects/new']")
    page.wait_for_url("**/staff/projects/new")
    assert serious_violations(page, axe_source) == []
    page.fill("#f-title", TITLE)
    page.fill("#f-responsible_name", "Kaisa Koordinaattori")
    page.fill("#f-topic", "parks")
    page.check("#f-areas input[value=etelainen]")
    page.fill("#f-starts_on", "2026-09-01")
    page.fill("#f-ends_on", "2027-06-30")
    page.fill("#f-due_dates-1", "2026-09-15")
    page.click("form[action='/staff/projects'] button[type=submit]")
    page.wait_for_url(re.compile(r"/staff/projects/[0-9a-f-]{36}$"))
    project_id = page.url.rsplit("/", 1)[1]
    expect(page.locator("h1")).to_have_text(TITLE)
    _expect_current_step(page, 1)
    expect(page.locator("#f-goal")).to_be_visible()
    assert serious_violations(page, axe_source) == []  # a step form

    # -- step 1: clarify the goal
    page.fill("#f-goal", "Uudistaa Launeen perhepuiston leikkipaikka yhdessä perheiden kanssa.")
    page.fill("#f-input_wanted", "Toiveet leikkivälineistä, varjosta ja istumapaikoista.")
    page.fill("#f-target_groups", "lapsiperheet\npäiväkodit\nikääntyneet")
    _submit(page, 1)
    _expect_current_step(page, 2)
    _expect_completed(page, 1)

    # -- step 2, refused first: no methods chosen
    page.select_option("#f-mode", "both")
    page.fill("#f-starts_on", "2026-10-01")
    page.fill("#f-ends_on", "2026-11-15")
    page.fill("#f-sessions-0-title", "Leikkipaikkatyöpaja")
    page.fill("#f-sessions-0-starts_at", "2026-10-08T17:30")
    page.fill("#f-sessions-0-place", "Launeen koulu")
    page.fill("#f-sessions-0-capacity", "40")
    _submit(page, 2)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("is required to complete step 2", timeout=AFTER_SUBMIT)
    expect(alert.locator("a[href='#f-methods']")).to_have_text("methods")
    expect(page.locator("#f-methods #f-methods-error")).to_contain_text("is required")
    _expect_current_step(page, 2)
    # What was filled in is kept, so only the missing part needs doing.
    expect(page.locator("#f-mode")).to_have_value("both")
    expect(page.locator("#f-sessions-0-title")).to_have_value("Leikkipaikkatyöpaja")
    assert serious_violations(page, axe_source) == []  # an error state
    page.check("#f-methods input[value=workshop]")
    page.check("#f-methods input[value=map_survey] >> nth=0")
    _submit(page, 2)
    _expect_current_step(page, 3)
    _expect_completed(page, 2)

    # -- step 3: invite (from here on the project is public)
    page.fill("#f-how_to_take_part", "Tule työpajaan tai merkitse toiveesi karttakyselyyn.")
    page.check("#f-channels input[value=omalahti]")
    page.check("#f-channels input[value=schools]")
    page.check("#f-special_groups input[value=families]")
    page.check("#f-plain_language")
    page.fill("#f-languages", "fi\nsv")
    _submit(page, 3)
    _expect_current_step(page, 4)
    expect(page.locator(f"a[href='/projects/{project_id}']")).to_be_visible()

    # -- step 4: run; the session planned in step 2 is offered as held
    expect(page.locator("#f-sessions_held-0-title")).to_have_value("Leikkipaikkatyöpaja")
    expect(page.locator("#f-sessions_held-0-held_on")).to_have_value("2026-10-08")
    page.fill("#f-sessions_held-0-participant_count", "27")
    page.fill("#f-accessibility", "Esteetön tila, selkokieliset materiaalit.")
    _submit(page, 4)
    _expect_current_step(page, 5)

    # -- step 5: communicate the results
    page.fill("#f-results_summary", RESULTS)
    page.fill("#f-plain_language_summary", RESULTS_PLAIN)
    page.fill("#f-next_steps", "Suunnitelma menee tekniselle lautakunnalle joulukuussa.")
    _submit(page, 5)
    _expect_current_step(page, 6)

    # -- reopen step 5 with a reason: its outputs come back as a draft
    page.fill("#f-reason-5", REOPEN_REASON)
    _submit(page, 5, "reopen")
    _expect_current_step(page, 5)
    expect(page.locator("#f-results_summary")).to_have_value(RESULTS)
    expect(page.locator("section[aria-labelledby=history]")).to_contain_text(REOPEN_REASON)
    page.fill("#f-plain_language_summary", RESULTS_PLAIN_FIXED)
    _submit(page, 5)
    _expect_current_step(page, 6)

    # -- step 6: turn the understanding into decisions
    page.fill("#f-decision_body", "Tekninen lautakunta")
    page.fill("#f-decided_on", "2026-12-10")
    page.fill("#f-reference", "§ 142")
    page.fill("#f-taken_into_account", "Varjopuut ja esteetön keinu lisättiin suunnitelmaan.")
    _submit(page, 6)
    _expect_current_step(page, 7)

    # -- step 7: communicate the impact, and the project is finished
    page.fill("#f-impact_statement", IMPACT)
    page.fill("#f-plain_language_statement", IMPACT_PLAIN)
    page.fill("#f-participant_count", "64")
    page.check("#f-channels input[value=messages_to_participants]")
    page.check("#f-channels input[value=omalahti]")
    _submit(page, 7)
    _expect_completed(page, 7)
    expect(page.locator("h2#current")).to_have_count(0)
    for number in range(1, 8):
        expect(page.locator(f"form[action$='/steps/{number}/reopen']")).to_have_count(1)

    # -- the public page tells residents the results and the impact
    page.click(f"a[href='/projects/{project_id}']")
    page.wait_for_url(f"**/projects/{project_id}")
    results = page.locator("section[aria-labelledby=results]")
    expect(results).to_contain_text(RESULTS_PLAIN_FIXED)
    expect(results).to_contain_text(RESULTS)
    impact = page.locator("section[aria-labelledby=impact]")
    expect(impact).to_contain_text(IMPACT_PLAIN)
    expect(impact).to_contain_text(IMPACT)
    expect(impact).to_contain_text("64")
    assert serious_violations(page, axe_source) == []
