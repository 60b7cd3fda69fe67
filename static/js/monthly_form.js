// Keep the "填写 n/N" count true while typing; the server computes the same on load.
(function () {
  var form = document.getElementById("monthly-form");
  var count = document.getElementById("fill-count");
  var empty = document.getElementById("empty-count");
  if (!form || !count) return;
  var total = Number(count.dataset.total);
  var template = count.textContent.replace(/\d+\/\d+/, "{n}/" + total);
  var emptyTemplate = empty.textContent.replace(/\d+/, "{n}");
  form.addEventListener("input", function () {
    var filled = 0;
    form.querySelectorAll(".value-input").forEach(function (input) {
      if (input.value.trim()) filled += 1;
    });
    count.textContent = template.replace("{n}", filled);
    empty.textContent = emptyTemplate.replace("{n}", total - filled);
  });
})();
