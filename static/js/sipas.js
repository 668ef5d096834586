// The survey kiosk: one question per screen, back to the first screen after a minute without
// a touch. The page works without this script (the whole form on one page): the script only
// hides the steps but the current one. CSP forbids inline script, hence this file.
(function () {
  "use strict";

  function init(form) {
    var steps = Array.prototype.slice.call(form.querySelectorAll("[data-step]"));
    var nav = form.querySelector("[data-nav]");
    var back = form.querySelector("[data-back]");
    var next = form.querySelector("[data-next]");
    var progress = form.querySelector("[data-progress]");
    var current = 0;
    var lastTouch = Date.now();

    // A refused form comes back with errors: start at the first step that has one.
    var firstError = steps.findIndex(function (s) { return s.classList.contains("has-error"); });

    function answered(step) {
      var radios = step.querySelectorAll("input[type=radio][required]");
      if (!radios.length) { return true; }
      return Array.prototype.some.call(radios, function (r) { return r.checked; });
    }

    function show(index, focus) {
      current = Math.max(0, Math.min(index, steps.length - 1));
      steps.forEach(function (step, i) { step.hidden = i !== current; });
      back.hidden = current === 0;
      next.hidden = current === steps.length - 1;
      next.textContent = current === 0 ? "Bắt đầu ›" : "Tiếp ›";
      progress.hidden = current === 0;
      progress.textContent = "Bước " + current + "/" + (steps.length - 1);
      var note = steps[current].querySelector(".step-note");
      if (note) { note.remove(); }
      if (focus) {
        var heading = steps[current].querySelector("h2");
        if (heading) { heading.focus(); }
      }
    }

    function advance() {
      if (!answered(steps[current])) {
        if (!steps[current].querySelector(".step-note")) {
          var note = document.createElement("p");
          note.className = "error step-note";
          note.setAttribute("role", "alert");
          note.textContent = "Xin Ông/Bà chọn một mức đánh giá cho câu này.";
          steps[current].appendChild(note);
        }
        return;
      }
      show(current + 1, true);
    }

    nav.hidden = false;
    back.addEventListener("click", function () { show(current - 1, true); });
    next.addEventListener("click", advance);
    // A choice made by touch or mouse moves on by itself; with the keyboard the arrows only
    // choose, and "Tiếp" (or Enter) moves on. `change` fires once per choice, whatever the
    // label's own click events.
    var pointerChoice = false;
    form.addEventListener("pointerdown", function (event) {
      pointerChoice = Boolean(event.target.closest("label.choice"));
    });
    form.addEventListener("keydown", function () { pointerChoice = false; }, true);
    form.addEventListener("change", function (event) {
      if (event.target.type !== "radio" || !pointerChoice || current === 0 || current >= steps.length - 1) { return; }
      pointerChoice = false;
      var step = current;
      window.setTimeout(function () { if (current === step) { advance(); } }, 250);
    });
    // Enter in a step means "next", not "send" (except on the last step).
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && current < steps.length - 1 && event.target.tagName !== "TEXTAREA" && event.target.tagName !== "BUTTON") {
        event.preventDefault();
        advance();
      }
    });

    ["pointerdown", "keydown", "input", "touchstart"].forEach(function (name) {
      document.addEventListener(name, function () { lastTouch = Date.now(); }, { passive: true });
    });
    // Read each time: a test (or an operator) may shorten it on the element.
    window.setInterval(function () {
      var idle = parseInt(form.dataset.idleSeconds, 10) || 60;
      var touched = current > 0 || form.querySelector("input:checked:not([value=''])") || form.querySelector("textarea").value;
      if (touched && Date.now() - lastTouch > idle * 1000) {
        window.location.replace(form.dataset.startUrl);
      }
    }, 1000);

    form.classList.add("stepping");
    show(firstError > 0 ? firstError : 0, firstError > 0);
  }

  // The kiosk's thank-you and "wait a minute" pages go back to the first screen by themselves
  // (a page refresh in the markup would be a timing trap for screen-reader users: axe's
  // meta-refresh rule); a touch or a key keeps the page a while longer.
  function returnLater(box) {
    var seconds = parseInt(box.dataset.returnSeconds, 10) || 10;
    var deadline = Date.now() + seconds * 1000;
    ["pointerdown", "keydown"].forEach(function (name) {
      document.addEventListener(name, function () { deadline = Date.now() + seconds * 1000; });
    });
    window.setInterval(function () {
      if (Date.now() > deadline) { window.location.replace(box.dataset.returnUrl); }
    }, 500);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-stepper]");
    if (form) { init(form); }
    var errors = document.getElementById("form-errors");
    if (errors && !form) { errors.focus(); }  // a refused form: say so first
    var box = document.querySelector("[data-return-url]");
    if (box) { returnLater(box); }
  });
})();
