// The review queue: approving rows that carry plausibility flags (校验提示) asks once first,
// saying how many of the chosen rows are flagged. The question's words come from the page
// (data-confirm-flagged, translated there), with %(n)s and %(flagged)s filled in here.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm-flagged");
  if (!question) return;
  var chosen = Array.prototype.filter.call(form.elements, function (field) {
    return field.name === "rows" && (field.type === "hidden" || field.checked);
  });
  var flagged = chosen.filter(function (field) {
    return Number(field.getAttribute("data-flags") || 0) > 0;
  }).length;
  if (!flagged) return;
  var text = question.replace("%(n)s", chosen.length).replace("%(flagged)s", flagged);
  if (!window.confirm(text)) event.preventDefault();
});
