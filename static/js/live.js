// Live updates over server-sent events (htmx 4 SSE extension, loaded before this file).
//
// An element with data-live-connect="/url" connects to that stream once htmx and the extension are
// both ready: htmx starts on a timer that may run before the extension's deferred script, so the
// hx-sse:connect attribute is only set here, and the element processed again. Give it
// hx-sse:close="end": the portal sends "end" when the reader may see no more (logout, expiry,
// deactivation, no access), and the browser must not connect again.
window.setTimeout(function () {
  document.querySelectorAll("[data-live-connect]").forEach(function (element) {
    element.setAttribute("hx-sse:connect", element.getAttribute("data-live-connect"));
    htmx.process(element);
  });
});

// The live timeline of a client file (#timeline-live): a new entry comes in at the top of the list
// and a polite status line announces it; focus stays where it is. While the list is filtered on one
// kind of entry, new entries are not added (a reload shows them).
function fromTimelineStream(event) {
  return event.target && event.target.id === "timeline-live";
}
document.addEventListener("htmx:sse:before:message", function (event) {
  if (!fromTimelineStream(event) || event.detail.message.event) return;
  var filter = document.getElementById("kind");
  if (filter && filter.value) {
    event.detail.cancelled = true;
    event.preventDefault();
  }
});
document.addEventListener("htmx:sse:after:message", function (event) {
  if (!fromTimelineStream(event) || event.detail.message.event) return;
  var empty = document.querySelector("#timeline-list > li.empty");
  if (empty) empty.remove();
  var status = document.getElementById("timeline-live-status");
  if (!status) return;
  status.textContent = "";
  window.setTimeout(function () {
    status.textContent = event.target.getAttribute("data-announce");
  }, 100);
});
