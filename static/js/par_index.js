// PAR Index: "select all" for the bulk assignment table (works after htmx swaps too).
document.addEventListener("change", function (event) {
  const box = event.target;
  if (!box.matches || !box.matches("input[data-select-all]")) {
    return;
  }
  const form = box.closest("form");
  form.querySelectorAll("input[name=items]").forEach(function (item) {
    item.checked = box.checked;
  });
});
