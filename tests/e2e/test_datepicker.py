"""Date fields (issue 18, item 5): typed as dd/mm/yyyy, with a Vietnamese calendar beside them.
The calendar never rewrites or clears what was typed; picking a day writes it as dd/mm/yyyy."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .test_phone_layout import SIZES, sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("size", ["laptop", "phone"])
def test_a_date_is_typed_or_picked_on_a_vietnamese_calendar(live_server, browser, demo_data, size):
    context, page = sign_in(browser, live_server, "vp.canbo", SIZES[size])
    page.goto(f"{live_server}/initiatives/new")
    field = page.locator("input[data-datepicker]").first
    expect(field).to_have_attribute("placeholder", "dd/mm/yyyy")
    # What is typed stays as typed, even a day that does not exist (the server says so).
    field.fill("31/02/2025")
    field.blur()
    expect(field).to_have_value("31/02/2025")
    # The calendar opens on the typed month, in Vietnamese, Monday first.
    field.fill("15/03/2025")
    button = page.get_by_role("button", name=re.compile("Chọn ngày trên lịch")).first
    button.click()
    calendar = page.locator(".flatpickr-calendar.open")
    expect(calendar).to_be_visible()
    expect(calendar.locator(".flatpickr-monthDropdown-months option:checked")).to_have_text(
        "Tháng ba"
    )
    expect(calendar.locator(".flatpickr-weekday").first).to_have_text("T2")
    calendar.locator(".flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)", has_text="20").click()
    expect(field).to_have_value("20/03/2025")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    context.close()
