/* ibp-rules: progressive enhancement of the pages. Every page works without this script;
   it saves drafts as the coordinator types, shows and hides follow-up questions by the
   server's answer (the same logic as the terminal intake), and offers a print button.
   Shipped in the package; loads nothing from elsewhere. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var nb = document.documentElement.lang !== "en";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function body(form) {
    var data = new URLSearchParams(new FormData(form));
    data.set("csrf_token", csrf);
    return data;
  }

  function clock() {
    var d = new Date();
    return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
  }

  /* the answer to a draft save: which questions apply, and what is wrong where */
  function apply(form, answer) {
    if (!answer || !answer.hidden) { return; }
    var hidden = {};
    answer.hidden.forEach(function (p) { hidden[p] = true; });
    form.querySelectorAll(".field[data-path]").forEach(function (wrap) {
      var path = wrap.getAttribute("data-path");
      wrap.hidden = !!hidden[path];
      var problem = wrap.querySelector(".problem");
      var text = (answer.problems || {})[path];
      if (problem) {
        problem.textContent = text || "";
        problem.hidden = !text;
      }
      wrap.classList.toggle("has-problem", !!text);
      wrap.querySelectorAll("input:not([type=radio]):not([type=checkbox]), select, textarea").forEach(function (el) {
        if (text) {
          el.setAttribute("aria-invalid", "true");
          var ids = (el.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
          if (problem && ids.indexOf(problem.id) < 0) { ids.push(problem.id); }
          el.setAttribute("aria-describedby", ids.join(" "));
        } else {
          el.removeAttribute("aria-invalid");
        }
      });
    });
  }

  function autosave(form) {
    var url = form.getAttribute("data-draft-url");
    var status = form.querySelector("#draft-status");
    var timer = null, dirty = false, sending = false, again = false;

    function save() {
      timer = null;
      if (sending) { again = true; return; }
      sending = true; dirty = false;
      fetch(url, { method: "POST", body: body(form), credentials: "same-origin",
                   headers: { "X-CSRF-Token": csrf, "X-Requested-With": "ibp-page" } })
        .then(function (r) {
          if (!r.ok) { throw new Error(String(r.status)); }
          return r.json();
        })
        .then(function (answer) {
          apply(form, answer);
          if (status) { status.textContent = (nb ? "Utkast lagret kl. " : "Draft saved at ") + clock(); }
        })
        .catch(function () {
          dirty = true;
          if (status) { status.textContent = nb ? "Utkastet ble ikke lagret – prøver igjen." : "The draft was not saved – trying again."; }
          timer = setTimeout(save, 5000);
        })
        .finally(function () {
          sending = false;
          if (again) { again = false; save(); }
        });
    }

    function later(ms) {
      dirty = true;
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(save, ms);
    }
    form.addEventListener("input", function (e) {
      var t = e.target;
      later(t.type === "radio" || t.type === "checkbox" || t.tagName === "SELECT" ? 150 : 800);
    });
    form.addEventListener("change", function () { later(150); });
    /* a closed or hidden tab sends what is not saved yet */
    function flush() {
      if (!dirty) { return; }
      if (timer) { clearTimeout(timer); timer = null; }
      dirty = false;
      if (navigator.sendBeacon) { navigator.sendBeacon(url, body(form)); }
    }
    window.addEventListener("pagehide", flush);
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") { flush(); } });
    form.addEventListener("submit", function () { if (timer) { clearTimeout(timer); timer = null; } dirty = false; });
  }

  /* a list field: ticking a value means "these"; "unknown" or "none" clears the ticks */
  function lists(root) {
    root.querySelectorAll("fieldset.choices.list").forEach(function (set) {
      var radios = set.querySelectorAll(".list-state input[type=radio]");
      var boxes = set.querySelectorAll("input[type=checkbox]");
      boxes.forEach(function (box) {
        box.addEventListener("change", function () {
          var any = Array.prototype.some.call(boxes, function (b) { return b.checked; });
          radios.forEach(function (r) { if (r.value === (any ? "some" : "unknown")) { r.checked = true; } });
        });
      });
      radios.forEach(function (r) {
        r.addEventListener("change", function () {
          if (r.checked && r.value !== "some") { boxes.forEach(function (b) { b.checked = false; }); }
        });
      });
    });
  }

  ready(function () {
    document.querySelectorAll("form[data-draft-url]").forEach(autosave);
    lists(document);
    document.querySelectorAll(".js-print").forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", function () { window.print(); });
    });
    var focus = document.querySelector(".error-summary, #result");
    if (focus && location.hash === "") { focus.setAttribute("tabindex", "-1"); focus.focus(); }
  });
})();
