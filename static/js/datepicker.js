// A calendar beside every date field (web/forms.py DayMonthYearField, data-datepicker).
// The field stays a plain text input: what the user types is never parsed, rewritten or
// cleared here (the server reads it and says what is wrong). The calendar (Flatpickr,
// Vietnamese locale, vendored) opens from its own button and writes the picked day into the
// field as dd/mm/yyyy. Without the script the field works the same, typed.
(function () {
  "use strict";

  function typedDate(text) {
    const m = /^\s*(\d{1,2})[\/.\-](\d{1,2})[\/.\-](\d{4})\s*$/.exec(text || "");
    if (!m) { return null; }
    const day = new Date(Number(m[3]), Number(m[2]) - 1, Number(m[1]));
    return day.getDate() === Number(m[1]) ? day : null;
  }

  function attach(input) {
    if (input.dataset.datepickerReady || typeof window.flatpickr !== "function") { return; }
    input.dataset.datepickerReady = "1";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "datepicker-button";
    // Named without the field's label, so that the label names only its field.
    button.setAttribute("aria-label", "Chọn ngày trên lịch");
    button.title = "Chọn ngày trên lịch";
    button.innerHTML = '<svg viewBox="0 0 20 20" width="18" height="18" aria-hidden="true" focusable="false">' +
      '<rect x="2.5" y="4" width="15" height="13.5" rx="1.5" fill="none" stroke="currentColor" stroke-width="1.6"/>' +
      '<path d="M2.5 8h15M6.5 2v4M13.5 2v4" stroke="currentColor" stroke-width="1.6" fill="none"/></svg>';
    const anchor = document.createElement("input");
    anchor.type = "hidden";
    anchor.className = "datepicker-anchor";  // Flatpickr makes it a text input: kept hidden
    anchor.tabIndex = -1;
    anchor.setAttribute("aria-hidden", "true");
    input.insertAdjacentElement("afterend", button);
    button.insertAdjacentElement("afterend", anchor);
    const picker = window.flatpickr(anchor, {
      locale: "vn",
      dateFormat: "d/m/Y",
      positionElement: input,
      disableMobile: true,
      onChange: function (_dates, text) {
        input.value = text;
        input.dispatchEvent(new Event("input", { bubbles: true }));
        input.dispatchEvent(new Event("change", { bubbles: true }));
      },
      onClose: function () { input.focus(); },
    });
    button.addEventListener("click", function () {
      const day = typedDate(input.value);
      if (day) { picker.setDate(day, false); } else { picker.clear(false); }
      picker.open();
    });
  }

  function attachAll(root) {
    (root || document).querySelectorAll("input[data-datepicker]").forEach(attach);
  }

  document.addEventListener("DOMContentLoaded", function () { attachAll(document); });
  document.addEventListener("htmx:afterSwap", function (event) { attachAll(event.target); });
})();
