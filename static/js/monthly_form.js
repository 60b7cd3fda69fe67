// The monthly form: keep "填写 n/N" true while typing (the server computes the same on load), and
// send evidence (佐证材料) as soon as a file is chosen, so nothing typed elsewhere is lost.
(function () {
  var form = document.getElementById("monthly-form");
  if (!form) return;
  var count = document.getElementById("fill-count");
  var empty = document.getElementById("empty-count");
  if (count) {
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
  }

  // Every change to a row's evidence moves the row's version: the monthly form and the row's
  // upload and remove forms must all post the new one, or the next save reads as stale.
  function setVersion(key, version) {
    var inputs = document.querySelectorAll(
      'input[name="' + key + '-version"], form.evidence-form[data-row="' + key + '"] input[name=version]'
    );
    inputs.forEach(function (input) { input.value = version; });
  }

  // Post ``data`` (the row's form by default) and show the answer; ``done(ok)`` runs after.
  function send(owner, action, data, done) {
    var key = owner.dataset.row;
    var box = document.querySelector('.evidence[data-row="' + key + '"]');
    var status = box.querySelector(".evidence-status");
    var ok = false;
    box.classList.add("busy");
    status.classList.remove("errorlist");
    status.textContent = box.dataset.sending;
    fetch(action, {
      method: "POST",
      body: data || new FormData(owner),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        ok = result.ok;
        if (result.ok) {
          box.querySelector(".evidence-items").innerHTML = result.body.html;
          setVersion(key, result.body.version);
          status.textContent = box.dataset.saved;
        } else {
          status.textContent = result.body.error;
          status.classList.add("errorlist");
        }
      })
      .catch(function () {
        status.textContent = box.dataset.failed;
        status.classList.add("errorlist");
      })
      .then(function () {
        box.classList.remove("busy");
        if (done) done(ok);
      });
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches(".evidence input[type=file]") || !input.files.length) return;
    var owner = input.form;
    // Only this input's files: the row's other chooser (camera or files) may hold earlier ones.
    document.querySelectorAll('input[type=file][form="' + owner.id + '"]').forEach(function (other) {
      if (other !== input) other.value = "";
    });
    // One file a request, each with the version the previous one returned: a request stays
    // within the server's body limit (EVIDENCE_MAX_BYTES), and a bad file stops only itself.
    var files = Array.prototype.slice.call(input.files);
    var token = owner.querySelector("input[name=csrfmiddlewaretoken]").value;
    (function next(index) {
      if (index >= files.length) {
        input.value = "";
        return;
      }
      var data = new FormData();
      data.append("csrfmiddlewaretoken", token);
      data.append("version", owner.querySelector("input[name=version]").value);
      data.append("files", files[index]);
      send(owner, owner.action, data, function (ok) {
        if (ok) next(index + 1);
        else input.value = "";
      });
    })(0);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".evidence-remove");
    if (!button) return;
    event.preventDefault();
    send(button.form, button.formAction, null, null);
  });
})();
