// The live timeline of a client file (htmx 4 SSE extension, element #timeline-live): a new entry
// comes in at the top of the list and a polite status line announces it; focus stays where it is.
// While the list is filtered on one kind of entry, new entries are not added (a reload shows them).
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
