// Loaded in <head> of every page: mark that script runs (so CSS may fold the header into a
// menu on phones, knowing the button will work), then wire the menu button.
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", function () {
  var button = document.querySelector(".menu-toggle");
  if (!button) return;
  var bar = button.closest(".topbar");
  button.addEventListener("click", function () {
    var open = bar.classList.toggle("open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
});
