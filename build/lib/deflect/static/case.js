// The case form: the hotline for a critical case, technical details shown before
// sending, file limits checked before upload, one submission per click.
(function () {
  "use strict";
  var form = document.getElementById("case-form");
  if (!form) { return; }

  var hotline = document.getElementById("hotline");
  function showHotline() {
    var chosen = form.querySelector("input[name=severity]:checked");
    if (hotline) { hotline.hidden = !(chosen && chosen.value === "critical"); }
  }
  form.querySelectorAll("input[name=severity]").forEach(function (radio) { radio.addEventListener("change", showHotline); });
  showHotline();

  var optIn = form.elements.include_technical, preview = document.getElementById("technical-preview");
  function technical() {
    return {
      userAgent: navigator.userAgent, language: navigator.language,
      languages: (navigator.languages || []).join(", "), platform: navigator.platform,
      screen: screen.width + "x" + screen.height, viewport: window.innerWidth + "x" + window.innerHeight,
      timezone: (Intl.DateTimeFormat().resolvedOptions().timeZone || ""), cookiesEnabled: String(navigator.cookieEnabled)
    };
  }
  function showTechnical() {
    var details = technical();
    form.elements.technical.value = optIn.checked ? JSON.stringify(details) : "";
    preview.textContent = Object.keys(details).map(function (key) { return key + ": " + details[key]; }).join("\n");
    preview.hidden = !optIn.checked;
  }
  optIn.addEventListener("change", showTechnical);
  showTechnical();

  var files = form.elements.attachments, check = document.getElementById("attachments-check");
  var kept = form.querySelectorAll("input[name=keep]");
  function checkFiles() {
    var maxFiles = Number(files.dataset.maxFiles), maxBytes = Number(files.dataset.maxBytes), problems = [];
    var count = files.files.length + Array.prototype.filter.call(kept, function (box) { return box.checked; }).length;
    if (count > maxFiles) { problems.push(count + " > " + maxFiles); }
    Array.prototype.forEach.call(files.files, function (file) {
      if (file.size > maxBytes) { problems.push(file.name + ": " + Math.ceil(file.size / 1048576) + " MB > " + maxBytes / 1048576 + " MB"); }
    });
    check.textContent = problems.join(" · ");
    check.hidden = !problems.length;
    return !problems.length;
  }
  files.addEventListener("change", checkFiles);

  var sending = false;
  form.addEventListener("submit", function (event) {
    if (!checkFiles() || sending) { event.preventDefault(); return; }
    sending = true;  // the server also records one case per submission key
    document.getElementById("send-case").disabled = true;
  });
})();
