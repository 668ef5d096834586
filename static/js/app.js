// Small behaviours that CSP forbids inline: confirmations and focus after htmx swaps.
document.addEventListener("submit", function (event) {
  const button = event.submitter;
  const message = button && button.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
}, true);

document.addEventListener("htmx:confirm", function (event) {
  const message = event.detail.elt && event.detail.elt.dataset && event.detail.elt.dataset.confirm;
  if (message && event.detail.elt.tagName !== "FORM" && !window.confirm(message)) {
    event.preventDefault();
  }
});

// Tell the user what happened to an htmx form that did not get its answer, and never claim
// "not sent" when it may have been saved. The server says (cchc_web/faults.py) in X-CCHC-Saved
// whether the request committed, and in X-CCHC-Error why it failed. The form is not swapped:
// what the user typed stays on the page.
function showProblem(text) {
  const box = document.getElementById("flashes");
  if (box) {
    const div = document.createElement("div");
    div.className = "flash flash-error";
    div.setAttribute("role", "alert");
    div.textContent = text;
    box.replaceChildren(div);
  }
}

document.addEventListener("htmx:sendError", function () {
  showProblem("Không nhận được phản hồi của máy chủ, nên chưa rõ dữ liệu đã được lưu hay chưa. " +
    "Nội dung trên biểu mẫu vẫn còn: hãy mở trang này ở thẻ khác để kiểm tra trước khi gửi lại.");
});

document.addEventListener("htmx:responseError", function (event) {
  const xhr = event.detail.xhr;
  const saved = xhr.getResponseHeader("X-CCHC-Saved");
  const reason = xhr.getResponseHeader("X-CCHC-Error");
  if (reason === "session") {
    showProblem("Phiên đăng nhập đã hết hạn nên dữ liệu chưa được lưu. Hãy sao chép nội dung " +
      "trên biểu mẫu, rồi tải lại trang để đăng nhập và nhập lại.");
  } else if (saved === "1") {
    showProblem("Dữ liệu đã được lưu, nhưng máy chủ gặp lỗi khi hiển thị kết quả. " +
      "Hãy tải lại trang để xem, đừng gửi lại.");
  } else if (reason === "busy") {
    showProblem("Hệ thống đang bận nên dữ liệu chưa được lưu. Nội dung trên biểu mẫu vẫn còn; " +
      "vui lòng gửi lại sau ít giây.");
  } else if (reason === "down") {
    showProblem("Tạm thời không truy cập được cơ sở dữ liệu nên dữ liệu chưa được lưu. " +
      "Nội dung trên biểu mẫu vẫn còn; vui lòng gửi lại sau ít phút.");
  } else if (saved === "0") {
    showProblem("Máy chủ gặp lỗi nên dữ liệu chưa được lưu. Nội dung trên biểu mẫu vẫn còn; " +
      "vui lòng thử lại hoặc báo quản trị hệ thống.");
  } else if (xhr.status >= 500) {
    showProblem("Máy chủ không trả lời đúng, nên chưa rõ dữ liệu đã được lưu hay chưa. " +
      "Nội dung trên biểu mẫu vẫn còn: hãy mở trang này ở thẻ khác để kiểm tra trước khi gửi lại.");
  } else if (xhr.status === 429) {
    showProblem("Bạn thao tác quá nhanh; dữ liệu chưa được lưu. Vui lòng thử lại sau ít phút.");
  }
});

// The header menu behind a button on narrow screens (CSS shows the button under 760 px).
// Without this script the menu simply stays open.
(function () {
  const bar = document.querySelector(".topbar");
  const toggle = bar && bar.querySelector(".menu-toggle");
  if (!toggle) {
    return;
  }
  bar.classList.add("js-menu");
  toggle.hidden = false;
  toggle.addEventListener("click", function () {
    const open = bar.classList.toggle("menu-open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && bar.classList.contains("menu-open")) {
      bar.classList.remove("menu-open");
      toggle.setAttribute("aria-expanded", "false");
      toggle.focus();
    }
  });
})();
