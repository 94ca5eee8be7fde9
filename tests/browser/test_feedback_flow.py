"""A resident sends feedback, a staff member answers it, and the resident sees the answer by
the receipt code: clicked through in a real browser."""

from tests.browser.conftest import serious_violations, sign_in


def test_resident_feedback_is_answered_and_the_answer_is_seen_by_receipt(browser, base_url,
                                                                         axe_source):
    resident = browser.new_context(base_url=base_url, locale="fi-FI").new_page()
    resident.goto("/")
    resident.fill("#text", "Mukkulan uimarannalle tarvitaan lisää roska-astioita.")
    resident.select_option("#kind", "idea")
    resident.select_option("#area", "pohjoinen")
    resident.fill("#email", "asukas@example.fi")
    resident.click("form[action='/feedback'] button[type=submit]")
    code = resident.text_content("strong.code").strip()

    staff = browser.new_context(base_url=base_url, locale="fi-FI").new_page()
    sign_in(staff, role="coordinator", unit="urban-environment")
    staff.goto("/staff/feedback?status=received&area=pohjoinen")
    assert serious_violations(staff, axe_source) == []
    staff.click("text=Mukkulan uimarannalle")
    assert code in staff.text_content("main")
    assert serious_violations(staff, axe_source) == []
    staff.fill("textarea[name=text]", "Kiitos! Kaksi uutta astiaa tulee kesäkuussa.")
    staff.check("input[name=public]")
    with staff.expect_navigation():
        staff.click("form[action$='/answer'] button[type=submit]")
    assert "Kaksi uutta astiaa tulee kesäkuussa." in staff.text_content("main")

    resident.goto(f"/feedback/receipt?code={code}")
    assert "Kaksi uutta astiaa tulee kesäkuussa." in resident.text_content("main")
    assert serious_violations(resident, axe_source) == []
