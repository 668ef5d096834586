"""axe-core on the PAR Index pages, with the demo data, for the roles that use them."""

import pytest

from cchc_web.core.demo import DEMO_PASSWORD
from cchc_web.core.extensions import db
from cchc_web.par_index import services

from .test_accessibility import violations

pytestmark = [pytest.mark.e2e, pytest.mark.accessibility]


def par_pages(user: str) -> list[str]:
    current = services.set_for_year(2025)
    scored = next(i for i in current.leaves if i.self_score and i.office.code == "HCC")
    unscored = next(i for i in current.leaves if not i.is_survey and i.self_score is None)
    if user == "hcc.canbo":
        return [
            "/par-index/",
            f"/par-index/{current.id}/mine",
            f"/par-index/items/{scored.id}/score",
        ]
    return [
        "/par-index/",
        "/par-index/new",
        f"/par-index/{current.id}",
        f"/par-index/{current.id}/assign",
        f"/par-index/{current.id}/settings",
        f"/par-index/{current.id}/totals",
        f"/par-index/items/{scored.id}/appraise",
        f"/par-index/items/{unscored.id}/appraise",  # redirects to the overview with a message
    ]


@pytest.mark.parametrize("user", ["hcc.canbo", "vhxh.lanhdao"])
def test_par_index_pages_have_no_serious_violations(live_server, browser, demo_data, user):
    paths = par_pages(user)
    db.session.remove()
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập").fill(user)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server}/")
    found = {}
    for path in paths:
        response = page.goto(f"{live_server}{path}")
        assert response.status == 200, path
        problems = violations(page)
        if problems:
            found[path] = problems
    context.close()
    assert found == {}
