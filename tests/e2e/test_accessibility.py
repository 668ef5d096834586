"""axe-core 4.14.1 (vendored from npm, MPL-2.0) on every main page for every demo role:
no serious or critical violation."""

from pathlib import Path

import pytest

from cchc_web.demo import DEMO_PASSWORD, seeders

pytestmark = pytest.mark.e2e

AXE = (Path(__file__).parent / "vendor" / "axe-4.14.1.min.js").read_text()

# Every main page each demo role reaches; extended as features land.
PAGES: dict[str, list[str]] = {
    "anonymous": ["/login"],
    "vp.canbo": ["/", "/account/password"],
    "vp.lanhdao": ["/"],
    "vhxh.canbo": ["/"],
    "chutich": ["/"],
    "admin": [
        "/",
        "/admin/users",
        "/admin/users/new",
        "/admin/offices",
        "/admin/offices/new",
        "/admin/audit",
        "/admin/users/2/edit",
    ],
}


@pytest.fixture
def demo_data():
    from cchc_web.extensions import db

    for seeder in seeders():
        seeder.run()
        db.session.commit()


def violations(page) -> list[str]:
    page.evaluate(AXE)
    result = page.evaluate(
        "async () => await axe.run(document,"
        " {runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice']})"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("user", list(PAGES))
def test_pages_have_no_serious_accessibility_violations(live_server, browser, demo_data, user):
    context = browser.new_context(bypass_csp=True)  # lets axe's script run under our CSP
    page = context.new_page()
    if user != "anonymous":
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


def test_the_check_itself_finds_violations(page):
    """Guards the harness: a page with an unlabeled field and an image without alt fails."""
    page.set_content(
        "<html lang='vi'><body><main><input type=text><img src='x.png'></main></body></html>"
    )
    ids = " ".join(violations(page))
    assert "label (critical)" in ids and "image-alt (critical)" in ids
