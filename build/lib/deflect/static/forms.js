// Every form page: say while typing that a text is longer than its field takes (the server checks it too,
// and nothing is ever cut); on a narrow screen, put the as-you-type suggestions where the customer types.
(function () {
  "use strict";
  document.querySelectorAll("[data-max-chars]").forEach(function (field) {
    var note = document.getElementById(field.id + "-length");
    if (!note) { return; }
    function check() {
      var over = field.value.length - Number(field.dataset.maxChars);
      note.hidden = over <= 0;
      if (over > 0) { note.textContent = note.dataset.message.replace("{n}", String(over)); }
    }
    field.addEventListener("input", check);
    check();
  });
  var live = document.getElementById("live-suggestions"), description = document.getElementById("description");
  if (live && description && window.matchMedia("(max-width: 60em)").matches) {
    description.closest(".deflect-field").after(live);
  }
})();
