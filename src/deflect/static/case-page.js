// The case page and "My cases": moments in the reader's own time zone, one submission per click.
(function () {
  "use strict";
  var lang = document.documentElement.lang || undefined;
  var format = new Intl.DateTimeFormat(lang, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short"
  });
  document.querySelectorAll("time[data-local-time]").forEach(function (moment) {
    var when = new Date(moment.getAttribute("datetime"));
    if (!isNaN(when)) {
      moment.title = moment.textContent;  // the UTC text stays at hand
      moment.textContent = format.format(when);
    }
  });

  document.querySelectorAll("form.deflect-case-form").forEach(function (form) {
    var sending = false;
    form.addEventListener("submit", function (event) {
      if (sending) { event.preventDefault(); return; }
      sending = true;  // the server also takes each form once (its request key)
      form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = true; });
    });
  });
})();
