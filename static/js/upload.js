// Upload progress for forms marked data-upload. htmx sends with fetch, which reports no upload
// progress; XMLHttpRequest does. Without this script the form posts as any form does.
(function () {
  "use strict";

  function showPage(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var incoming = page.querySelector("main");
    var here = document.querySelector("main");
    if (!incoming || !here) {
      window.location.reload();
      return;
    }
    here.replaceWith(document.adoptNode(incoming));
    document.title = page.title;
    var form = document.querySelector("form[data-upload]");
    if (form) bind(form);
    var summary = document.querySelector(".error-summary") || document.querySelector("main");
    summary.setAttribute("tabindex", "-1");
    summary.focus();
  }

  function bind(form) {
    form.addEventListener("submit", function (event) {
      var input = form.querySelector('input[type="file"]');
      if (!input || !input.files.length || !window.FormData) return;
      event.preventDefault();
      var box = form.querySelector(".upload-progress");
      var bar = box.querySelector("progress");
      var status = box.querySelector("[data-upload-status]");
      var button = form.querySelector('button[type="submit"]');
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-CSRF-Token", form.elements.csrf_token.value);
      xhr.upload.addEventListener("progress", function (progress) {
        if (!progress.lengthComputable) return;
        var percent = Math.round((progress.loaded * 100) / progress.total);
        bar.value = percent;
        status.textContent = percent + " %";
      });
      xhr.addEventListener("load", function () {
        if (xhr.status < 400) {
          window.location.assign(xhr.responseURL + (form.dataset.anchor || ""));
        } else {
          showPage(xhr.responseText);
        }
      });
      xhr.addEventListener("error", function () {
        status.textContent = form.dataset.failed || "";
        button.disabled = false;
      });
      box.hidden = false;
      button.disabled = true;
      xhr.send(new FormData(form));
    });
  }

  document.querySelectorAll("form[data-upload]").forEach(bind);
})();
