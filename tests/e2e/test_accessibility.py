"""axe-core 4.14.1 (vendored from npm, MPL-2.0) on every main page for every demo role:
no serious or critical violation."""

import os
from pathlib import Path

import pytest

from cchc_web.core.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.accessibility]

AXE = (Path(__file__).parent / "vendor" / "axe-4.14.1.min.js").read_text()

# Every demo role; each one's main pages are its navigation links plus, from each of them,
# the first link into a detail page (a plan, a task, an initiative, a council, a decision…),
# so a new page reached from the navigation is checked without editing this list.
ROLES = [
    "anonymous",
    "vp.canbo",  # staff
    "vp.lanhdao",  # head, council member
    "vhxh.canbo",  # staff + secretariat
    "vhxh.lanhdao",  # head + secretariat, council secretary
    "hcc.lanhdao",  # head, council member
    "phochutich",  # vice-chairman, council chair
    "chutich",  # chairman
    "admin",
    "tp.admin",  # the city's administrator: its communes, onboarding (issue 20)
    "tp.snv.canbo",  # the city level: Sở Nội vụ (staff + secretariat), issue 20
]
# Pages not reached that way (forms behind buttons).
EXTRA: dict[str, list[str]] = {
    "anonymous": ["/login", "/verify", "/sipas/r", "/sipas/thanks"],
    "vp.canbo": [
        "/account/password",
        "/account/reminders",
        # The searches (issue 17): results with highlighted words, and a refusal.
        "/search?q=so+hoa+ho+so",
        "/search?q=a",
        "/initiatives/?q=TTHC",
        "/plans/1?q=hanh+chinh",
    ],
    "admin": ["/admin/users/new", "/admin/offices/new", "/admin/users/2/edit", "/admin/settings"],
    # The city's administrator: its communes and the onboarding form (issue 20).
    "tp.admin": [
        "/admin/communes",
        "/admin/communes/new",
        "/admin/communes/CHIMINH/admin",
        "/admin/settings",
    ],
    # The recognition chain of the demo: its Decisions, results and the nomination picker.
    "vhxh.lanhdao": ["/decisions/1", "/decisions/2", "/council/1/results", "/initiatives/5"],
    # The satisfaction survey's staff pages (issue 19); the public ones: test_sipas_accessibility.
    "vhxh.canbo": [
        "/sipas/",
        "/sipas/questionnaire",
        "/sipas/questionnaire/1",
        "/sipas/receipts",
        "/sipas/feedback",
        "/sipas/feedback/1",
        "/sipas/responses",
        "/sipas/responses/1",
        "/sipas/settings",
        "/sipas/fields/1",
        "/sipas/objectives/1/link",
    ],  # fmt: skip
    "hcc.lanhdao": ["/sipas/", "/sipas/receipts"],
    # The city level's pages: a commune read-only, the appraisal of its PAR Index, sorting.
    "tp.snv.canbo": ["/city/communes/1", "/city/communes/2/par", "/city/?sort=-done&kind=xa"],
    "chutich": ["/decisions/3", "/initiatives/rounds/1/nominate", "/verify?number=2&year=2025"],
}
SKIP = ("/logout", "/static/", "download", "export", ".pdf", ".xlsx", ".csv", "/files/")


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


def local_links(page, selector: str) -> list[str]:
    hrefs = page.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('href'))")
    return [h for h in hrefs if h and h.startswith("/") and not any(s in h for s in SKIP)]


def main_pages(page, base: str, user: str) -> list[str]:
    """The role's navigation, then the first detail link of each navigation page."""
    page.goto(f"{base}/")
    nav = local_links(page, "nav.mainnav a") if user != "anonymous" else []
    paths = ["/", *nav, *EXTRA.get(user, [])]
    for path in nav:
        page.goto(f"{base}{path}")
        detail = [h for h in local_links(page, "main a") if h.split("?")[0] not in paths]
        if detail:
            paths.append(detail[0])
    return list(dict.fromkeys(paths))


@pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")),
    reason="the HTML does not depend on the database engine: checked once, on SQLite",
)
@pytest.mark.parametrize("user", ROLES)
def test_pages_have_no_serious_accessibility_violations(live_server, browser, demo_data, user):
    context = browser.new_context(bypass_csp=True)  # lets axe's script run under our CSP
    page = context.new_page()
    if user != "anonymous":
        page.goto(f"{live_server}/login")
        page.get_by_label("Tên đăng nhập").fill(user)
        page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url(f"{live_server}/")
    paths = main_pages(page, live_server, user)
    if user != "anonymous":
        assert len(paths) >= 4, paths  # the navigation was found
    found, statuses = {}, {}
    for path in paths:
        response = page.goto(f"{live_server}{path}")
        statuses[path] = response.status
        if response.status != 200 or "text/html" not in response.headers["content-type"]:
            continue
        problems = violations(page)
        if problems:
            found[path] = problems
    context.close()
    assert {p: s for p, s in statuses.items() if s != 200} == {}
    assert found == {}


def test_the_check_itself_finds_violations(page):
    """Guards the harness: a page with an unlabeled field and an image without alt fails."""
    page.set_content(
        "<html lang='vi'><body><main><input type=text><img src='x.png'></main></body></html>"
    )
    ids = " ".join(violations(page))
    assert "label (critical)" in ids and "image-alt (critical)" in ids
