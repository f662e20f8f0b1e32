// Brug's own small behaviour on top of htmx. No inline script anywhere (CSP).
// After "load older entries", keyboard focus moves to the first new entry, so the next Tab
// continues through the entries just loaded instead of starting again at the top of the page.
var lastBeforeLoad = null;
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("#timeline-list .load-more a");
  lastBeforeLoad = link ? link.closest("li").previousElementSibling : null;
});
document.addEventListener("htmx:after:settle", function () {
  if (!lastBeforeLoad || !lastBeforeLoad.isConnected) return;
  var first = lastBeforeLoad.nextElementSibling;
  lastBeforeLoad = null;
  if (!first || first.classList.contains("load-more")) return;
  first.setAttribute("tabindex", "-1");
  first.focus();
});
