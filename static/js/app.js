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

// Tell the user when the server could not be reached instead of failing silently.
document.addEventListener("htmx:sendError", function () {
  const box = document.getElementById("flashes");
  if (box) {
    box.innerHTML = '<div class="flash flash-error" role="alert">Không kết nối được máy chủ. Dữ liệu chưa được gửi; vui lòng thử lại.</div>';
  }
});
document.addEventListener("htmx:responseError", function (event) {
  const box = document.getElementById("flashes");
  if (box && event.detail.xhr.status >= 500) {
    box.innerHTML = '<div class="flash flash-error" role="alert">Máy chủ gặp lỗi khi xử lý. Dữ liệu trên biểu mẫu vẫn còn; vui lòng thử lại.</div>';
  }
});
