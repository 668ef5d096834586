"""The inbox as a person uses it (issue 18): the head of an office signs in, sees the count in
the menu and the returned report first with its reason, follows the line to the report and
finds where to correct it; the Chairman follows his line to the Decision to sign."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .test_phone_layout import SIZES, sign_in

pytestmark = pytest.mark.e2e


def test_a_head_follows_the_returned_report_from_the_inbox(live_server, browser, demo_data):
    context, page = sign_in(browser, live_server, "vp.lanhdao", SIZES["laptop"])
    expect(page.get_by_role("heading", name="Việc cần làm")).to_be_visible()
    first = page.locator(".inbox-item").first
    expect(first).to_contain_text("bị trả lại")
    expect(first).to_contain_text("Lý do trả lại:")
    expect(first).to_contain_text("Quá hạn")
    expect(page.locator("nav.mainnav .nav-count").first).to_be_visible()
    first.locator("a.inbox-title").click()
    expect(page).to_have_url(re.compile(r"/reports/\d+$"))
    expect(page.get_by_text("Bị trả lại").first).to_be_visible()
    expect(page.locator("main form[method=post]").first).to_be_visible()
    context.close()


def test_the_chairman_goes_from_the_inbox_to_the_decision_to_sign(live_server, browser, demo_data):
    context, page = sign_in(browser, live_server, "chutich", SIZES["phone"])
    line = page.locator(".inbox-item").filter(has_text="Xem và ký")
    expect(line).to_have_count(1)
    line.get_by_role("link", name="Xem và ký Quyết định").click()
    expect(page.get_by_role("button", name="Ký")).to_be_visible()
    context.close()
