/* "Was this article helpful?": shown only when the form service answers, so a
   purely static copy of the help center shows nothing broken. A "No" asks for an
   optional reason before sending; any failure hides the control quietly. */
(function () {
  "use strict";
  var box = document.querySelector(".deflect-feedback");
  if (!box || !window.fetch) return;
  var reasonForm = box.querySelector(".deflect-feedback__reason");
  var thanks = box.querySelector(".deflect-feedback__thanks");

  function send(helpful, reason) {
    var body = { article: box.dataset.article, lang: box.dataset.lang, helpful: helpful };
    if (reason) body.reason = reason;
    fetch(box.dataset.endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      box.querySelectorAll("button[data-helpful]").forEach(function (b) { b.disabled = true; });
      reasonForm.hidden = true;
      thanks.hidden = false;
    }).catch(function () { box.hidden = true; });
  }

  box.querySelectorAll("button[data-helpful]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (button.dataset.helpful === "true") { send(true); return; }
      reasonForm.hidden = false;
      reasonForm.querySelector("textarea").focus();
    });
  });
  reasonForm.addEventListener("submit", function (event) {
    event.preventDefault();
    send(false, reasonForm.querySelector("textarea").value.trim());
  });

  fetch(box.dataset.health, { method: "GET" })
    .then(function (response) { if (response.ok) box.hidden = false; })
    .catch(function () { /* static host: keep the control hidden */ });
})();
