/* Upload progress for attachment forms (web/templates/attachments/_section.html).
   htmx fires htmx:xhr:progress on the form while the file is sent; the <progress> bar shows
   it and the status text next to it is announced to screen readers in 25 % steps (not on
   every event, which would flood them). Loaded again after each swap: guarded to bind once. */
(function () {
  "use strict";
  if (window.kortistoAttachments) {
    return;
  }
  window.kortistoAttachments = true;

  function partsOf(evt) {
    var form = evt.target && evt.target.closest && evt.target.closest("form[data-upload-form]");
    if (!form) {
      return null;
    }
    return {
      form: form,
      bar: form.querySelector("[data-upload-progress]"),
      status: form.querySelector("[data-upload-status]")
    };
  }

  function say(parts, percent) {
    parts.status.textContent = parts.form.dataset.progressText.replace("{percent}", percent);
  }

  document.addEventListener("htmx:beforeRequest", function (evt) {
    var parts = partsOf(evt);
    if (!parts) {
      return;
    }
    parts.form.setAttribute("aria-busy", "true");
    parts.form.dataset.step = "0";
    parts.bar.hidden = false;
    parts.bar.value = 0;
    say(parts, 0);
  });

  document.addEventListener("htmx:xhr:progress", function (evt) {
    var parts = partsOf(evt);
    if (!parts || !evt.detail.lengthComputable || !evt.detail.total) {
      return;
    }
    var percent = Math.floor((evt.detail.loaded / evt.detail.total) * 100);
    parts.bar.value = percent;
    parts.bar.textContent = percent + " %";
    var step = String(Math.floor(percent / 25));
    if (step !== parts.form.dataset.step) {
      parts.form.dataset.step = step;
      say(parts, percent);
    }
  });

  function failed(evt) {
    var parts = partsOf(evt);
    if (!parts) {
      return;
    }
    parts.form.removeAttribute("aria-busy");
    parts.bar.hidden = true;
    parts.status.textContent = parts.form.dataset.failedText;
  }
  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:timeout", failed);
})();
