// landcon — small page helpers (no framework). Loaded on every page after HTMX.

(function () {
  "use strict";

  // A button marked data-once stays disabled after a successful HTMX request and removes the element
  // named by data-remove-after (no inline handlers: the Content-Security-Policy allows no inline code).
  document.addEventListener("htmx:afterRequest", function (event) {
    var el = event.target;
    if (!(el instanceof HTMLElement) || !el.hasAttribute("data-once") || !event.detail.successful) return;
    el.setAttribute("disabled", "");
    var gone = document.getElementById(el.getAttribute("data-remove-after") || "");
    if (gone) gone.remove();
  });

  // A form marked data-busy shows that it is working and cannot be sent twice (uploads take a while).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    if (!form.hasAttribute("data-busy") || form.hasAttribute("hx-post")) return;
    var button = event.submitter || form.querySelector("button[type=submit], button:not([type])");
    if (button) {
      // disable after the browser has read the button's name/value
      setTimeout(function () {
        button.disabled = true;
        button.classList.add("busy");
        button.textContent = form.getAttribute("data-busy") || "处理中…";
      }, 0);
    }
  });

  // Rows with data-href open their page (links inside still work on their own).
  document.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest("tr[data-href]");
    if (!row || event.target.closest("a, button, input, label, select, textarea, summary")) return;
    window.location.href = row.getAttribute("data-href");
  });

  // 审查意见: conditions are required for 修改后同意.
  function syncOpinion(form) {
    var chosen = form.querySelector("input[name=opinion]:checked");
    var conditions = form.querySelector("textarea[name=conditions]");
    var hint = form.querySelector("[data-conditions-hint]");
    if (!conditions) return;
    var needed = chosen && chosen.value === "修改后同意";
    conditions.required = !!needed;
    if (hint) hint.classList.toggle("hidden", !needed);
    var row = conditions.closest(".form-row");
    if (row) row.classList.toggle("required", !!needed);
  }
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form[data-opinion-form]");
    if (form) syncOpinion(form);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-opinion-form]").forEach(syncOpinion);
  });

  // A background job panel that HTMX swapped in as finished reloads the page to show the results
  // (only on pages that ask for it with <body data-autoreload>; the first page load never does).
  document.addEventListener("htmx:load", function (event) {
    var el = event.detail && event.detail.elt;
    if (!el || el === document.body || !el.matches) return;
    var panel = el.matches("[data-reload-when-done]") ? el : el.querySelector("[data-reload-when-done]");
    if (panel && panel.getAttribute("data-status") === "done" && document.body.hasAttribute("data-autoreload")) {
      window.setTimeout(function () { window.location.reload(); }, 900);
    }
  });

  // Severity filter for finding lists: buttons with data-filter="error|warning|info|pass|all".
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".filterbar button[data-filter]");
    if (!button) return;
    var bar = button.closest(".filterbar");
    var list = document.getElementById(bar.getAttribute("data-for"));
    if (!list) return;
    var wanted = button.getAttribute("data-filter");
    bar.querySelectorAll("button").forEach(function (b) { b.classList.toggle("on", b === button); });
    list.querySelectorAll("[data-severity]").forEach(function (item) {
      item.classList.toggle("hidden", wanted !== "all" && item.getAttribute("data-severity") !== wanted);
    });
  });
})();
