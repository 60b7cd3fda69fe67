// 核实: "采用核实值" on the monthly form puts the verified value a 核实 proposes into its row's
// input; the reporter still saves or submits the form, through the same checks as any figure.
(function () {
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.adopt-verified") : null;
    if (!button) return;
    var input = document.getElementById(button.dataset.input);
    if (!input) return;
    input.value = button.dataset.value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.focus();
  });
})();
