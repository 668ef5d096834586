"""axe-core on the survey's public pages (issue 19), which the navigation does not reach: the
kiosk on each of its screens, the phone page (fresh, and refused with errors), the used code
and the thank-you page. No serious or critical violation."""

import os

import pytest
from sqlalchemy import select

from cchc_web.core.extensions import db
from cchc_web.models.sipas import Kiosk, Receipt, SurveyResponse

from .test_accessibility import violations

pytestmark = [pytest.mark.e2e, pytest.mark.accessibility]


@pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")),
    reason="the HTML does not depend on the database engine: checked once, on SQLite",
)
def test_survey_pages_have_no_serious_accessibility_violations(live_server, browser, demo_data):
    kiosk = db.session.scalars(select(Kiosk).order_by(Kiosk.id)).first()
    used = select(SurveyResponse.receipt_id).where(SurveyResponse.receipt_id.is_not(None))
    waiting = db.session.scalars(
        select(Receipt).where(~Receipt.id.in_(used)).order_by(Receipt.id.desc())
    ).first()
    answered = db.session.scalars(select(Receipt).where(Receipt.id.in_(used))).first()
    context = browser.new_context(bypass_csp=True, viewport={"width": 390, "height": 844})
    page = context.new_page()
    found = {}

    def check(name: str) -> None:
        problems = violations(page)
        if problems:
            found[name] = problems

    page.goto(f"{live_server}/sipas/kiosk/{kiosk.token}")
    check("kiosk start")
    page.get_by_role("button", name="Bắt đầu ›").click()
    check("kiosk question")
    page.goto(f"{live_server}/sipas/r/{waiting.code}")
    check("phone page")
    page.get_by_role("button", name="Gửi đánh giá").click()  # nothing chosen: refused
    page.wait_for_selector("#form-errors")
    check("phone page refused")
    page.goto(f"{live_server}/sipas/r/{answered.code}")
    check("used code")
    page.goto(f"{live_server}/sipas/kiosk/{kiosk.token}/thanks")
    check("kiosk thanks")
    page.goto(f"{live_server}/sipas/r?code=KHONG-DUNG")
    check("unknown code")
    context.close()
    assert found == {}
