/* The staff workspace's small helps; every page works without them.
   - "Insert the link" / "Insert": puts an article's section link (or a saved reply) into the reply at the
     cursor, and notes the article, in one click (without JavaScript the link reloads the page with it inserted).
   - The queue reloads itself every minute while the agent is not typing, so a new critical case shows at once. */
(function () {
  "use strict";
  var body = document.querySelector("#composer textarea[name=body]");
  var article = document.getElementById("composer-article");
  document.querySelectorAll("a.deflect-insert[data-insert]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (!body) return;
      event.preventDefault();
      var text = link.dataset.insert;
      var start = body.selectionStart || 0, end = body.selectionEnd || 0, value = body.value;
      var before = value.slice(0, start), after = value.slice(end);
      var lead = before && !/\n$/.test(before) ? "\n" : "";
      var tail = after && !/^\n/.test(after) ? "\n" : "";
      body.value = before + lead + text + tail + after;
      var caret = (before + lead + text).length;
      body.focus();
      body.setSelectionRange(caret, caret);
      if (link.dataset.article && article) article.value = link.dataset.article;
    });
  });

  var filters = document.querySelector("form[data-autorefresh]");
  if (filters) {
    var seconds = parseInt(filters.dataset.autorefresh, 10) || 60;
    window.setInterval(function () {
      var active = document.activeElement;
      var typing = active && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName);
      if (!document.hidden && !typing) window.location.reload();
    }, seconds * 1000);
  }
})();
