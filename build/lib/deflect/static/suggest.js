// As-you-type suggestions beside step 1: debounced calls to /api/suggest.
(function () {
  "use strict";
  var panel = document.getElementById("live-suggestions");
  var form = document.getElementById("describe-form");
  if (!panel || !form || !window.fetch) { return; }
  var subject = form.elements.subject, description = form.elements.description, lang = form.elements.lang;
  var timer = null, latest = 0;

  function render(results) {
    panel.textContent = "";
    var heading = document.createElement("h2");
    heading.textContent = panel.dataset.heading;
    panel.appendChild(heading);
    if (!results.length) {
      var empty = document.createElement("p");
      empty.textContent = panel.dataset.empty;
      panel.appendChild(empty);
    } else {
      var list = document.createElement("ol");
      results.forEach(function (item) {
        var entry = document.createElement("li");
        var link = document.createElement("a");
        link.href = item.url; link.target = "_blank"; link.rel = "noopener";
        link.className = "deflect-live-link";
        link.textContent = item.title;
        var snippet = document.createElement("p");
        snippet.textContent = item.snippet || "";
        entry.appendChild(link); entry.appendChild(snippet); list.appendChild(entry);
      });
      panel.appendChild(list);
    }
    panel.hidden = false;
  }

  function ask() {
    var q = (subject.value + " " + description.value).trim();
    if (q.length < 3) { panel.hidden = true; return; }
    var ticket = ++latest;
    var url = panel.dataset.suggestUrl + "?limit=5&lang=" + encodeURIComponent(lang.value) + "&q=" + encodeURIComponent(q.slice(0, 500));
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (body) { if (ticket === latest) { render(body.results || []); } })
      .catch(function () { /* hints are a bonus: the form works without them */ });
  }

  function later() { clearTimeout(timer); timer = setTimeout(ask, 300); }
  subject.addEventListener("input", later);
  description.addEventListener("input", later);
  lang.addEventListener("change", later);
})();
