"""axe-core on the initiative and council pages, for the roles that use them (demo data):
no serious or critical violation."""

import pytest

from cchc_web.core.demo import DEMO_PASSWORD

from .test_accessibility import violations

pytestmark = [pytest.mark.e2e, pytest.mark.accessibility]

# Demo ids: round 1 (2025), council 1, initiative 1 (HCC), 2 (VP), 6 (CA, returned).
PAGES = {
    "hcc.canbo": ["/initiatives/", "/initiatives/new", "/initiatives/1", "/initiatives/emulation"],
    "ca.lanhdao": ["/initiatives/6", "/initiatives/6/edit"],
    "vhxh.lanhdao": [
        "/initiatives/?year=2025",
        "/initiatives/rounds",
        "/initiatives/rounds/1",
        "/initiatives/rounds/1/edit",
        "/council/",
        "/council/1",
        "/council/1/score",
        "/council/1/initiatives/2",
    ],
    "phochutich": ["/council/1", "/council/1/initiatives/2", "/council/1/results"],
    # The city (issue 20): Xã Chí Minh's nominations (1: HCC's, received as the city's
    # initiative 16; 2: VP's, waiting), the city's council 3 scoring.
    "tp.snv.canbo": [
        "/initiatives/nominated",
        "/initiatives/nominated/1",
        "/initiatives/nominated/2",
        "/initiatives/16",
        "/council/3",
    ],
    "tp.khcn.lanhdao": ["/council/3/initiatives/16"],
    "chutich": ["/initiatives/1"],  # the city's answer on the nominated initiative
}


@pytest.mark.parametrize("user", list(PAGES))
def test_initiative_pages_have_no_serious_violations(live_server, browser, demo_data, user):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập").fill(user)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server}/")
    found = {}
    for path in PAGES[user]:
        response = page.goto(f"{live_server}{path}")
        assert response.status == 200, path
        problems = violations(page)
        if problems:
            found[path] = problems
    context.close()
    assert found == {}
