// Progressive enhancement of the site's forms (forms/templates/form.html). Without
// this script every form still works: it posts, and the server redirects to the next
// page or back to the form with its errors. With it:
// - fields are checked as you type, by the server's own validator (POST
//   /api/web/check/{form}), so the rules are the same ones a submission meets;
// - totals show the sum of their parts live ("分项合计"), flagged when they disagree;
// - fields asked only under a condition appear when it holds (the server decides);
// - a submission is sent in the background and its errors shown in place, in the
//   error summary (focused, so screen readers announce it) and at each field;
// - a fresh idempotency key goes with each form, so a double click registers once;
// - a group's "add" button adds a blank row in place (the server's own blank row,
//   from the group's <template>) and a row's "remove" button takes it out, with
//   nothing sent (without the script both buttons post, and the page comes back
//   with the row added or removed).
(function () {
  "use strict";

  var CHECK_DELAY_MS = 500;

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  // The same id the renderer gives a control: `authors[1].name` → `f-authors-1-name`.
  function fieldId(path) {
    return ("f-" + path.replace(/[^A-Za-z0-9_]+/g, "-")).replace(/-+$/, "");
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function controlsOf(form, path) {
    return Array.prototype.filter.call(form.elements, function (el) { return el.name === path; });
  }

  function messageOf(form, path) {
    var all = form.querySelectorAll("[data-error-for]");
    for (var i = 0; i < all.length; i++) if (all[i].getAttribute("data-error-for") === path) return all[i];
    return null;
  }

  function showFieldError(form, path, message) {
    var box = messageOf(form, path);
    if (!box) return false;
    var field = box.closest(".gz-field");
    var controls = controlsOf(form, path);
    if (message) {
      box.innerHTML = '<span class="gz-visually-hidden">错误：</span>' + escapeHtml(message);
      box.hidden = false;
      if (field) field.classList.add("gz-field--error");
      controls.forEach(function (c) {
        c.setAttribute("aria-invalid", "true");
        var described = (c.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
        if (described.indexOf(box.id) < 0) described.push(box.id);
        c.setAttribute("aria-describedby", described.join(" "));
      });
    } else {
      box.textContent = "";
      box.hidden = true;
      if (field) field.classList.remove("gz-field--error");
      controls.forEach(function (c) { c.removeAttribute("aria-invalid"); });
    }
    return true;
  }

  function fillSummary(form, error, fields) {
    var summary = form.querySelector(".gz-error-summary");
    if (!summary) return;
    var list = summary.querySelector(".gz-error-summary__list");
    var items = [];
    if (error && Object.keys(fields).length === 0) items.push("<li>" + escapeHtml(error) + "</li>");
    // In the order of the page (the server's JSON is ordered by name), then the rest.
    var paths = [];
    form.querySelectorAll("[data-error-for]").forEach(function (box) {
      var path = box.getAttribute("data-error-for");
      if (fields[path] && paths.indexOf(path) < 0) paths.push(path);
    });
    Object.keys(fields).forEach(function (path) { if (paths.indexOf(path) < 0) paths.push(path); });
    paths.forEach(function (path) {
      var id = fieldId(path);
      var target = document.getElementById(id) || document.getElementById(id + "-0");
      var text = escapeHtml(fields[path]);
      items.push(target ? '<li><a href="#' + target.id + '">' + text + "</a></li>" : "<li>" + text + "</li>");
    });
    list.innerHTML = items.join("");
    summary.hidden = items.length === 0;
    if (items.length) summary.focus();
  }

  // Live totals next to a total whose parts must add up (`sum` rules of the schema).
  function updateSums(form) {
    form.querySelectorAll("[data-sum-of]").forEach(function (field) {
      var totalPath = field.getAttribute("data-field");
      var out = field.querySelector("[data-sum-for]");
      if (!out) return;
      var sum = 0;
      var scale = 100; // two decimals, the finest step of the forms
      field.getAttribute("data-sum-of").split(" ").forEach(function (part) {
        var el = form.elements.namedItem(part);
        var v = el && el.value ? Number(el.value) : 0;
        if (!isNaN(v)) sum += Math.round(v * scale);
      });
      var totalEl = form.elements.namedItem(totalPath);
      var total = totalEl && totalEl.value ? Math.round(Number(totalEl.value) * scale) : 0;
      var exact = field.getAttribute("data-sum-exact") === "true";
      var off = exact ? sum !== total : sum > total;
      var shown = String(sum / scale);
      out.textContent = "分项合计：" + shown + (off ? (exact ? "，与总数不一致" : "，超过总数") : "");
      out.classList.toggle("gz-sum--off", off);
      out.hidden = false;
    });
  }

  // Fields asked only under a condition (`when`) show while it holds — GOV.UK's
  // conditional reveal, decided by the server's own conditions (the check's
  // `hidden` list). A hidden field's error is hidden with it; the server clears its value.
  function revealConditional(form, hidden) {
    form.querySelectorAll("[data-when]").forEach(function (field) {
      field.hidden = hidden.indexOf(field.getAttribute("data-field")) >= 0;
    });
  }

  // The rows of a group (its fieldsets), in page order.
  function rowsOf(group) {
    return Array.prototype.filter.call(group.children, function (el) { return el.classList.contains("gz-row"); });
  }

  // After a row came or went: rows numbered 1… in their legends, "remove" only while
  // more than one row is left, "add" only below the group's limit. Names keep the
  // index they were drawn with, so the server's messages still find their fields.
  function renumberRows(group) {
    var label = group.getAttribute("data-row-label") || "";
    var rows = rowsOf(group);
    rows.forEach(function (row, i) {
      var legend = row.querySelector("legend");
      if (legend) legend.textContent = label + " " + (i + 1);
      var remove = row.querySelector("[data-remove-row]");
      if (remove) {
        remove.hidden = rows.length < 2;
        remove.setAttribute("aria-label", remove.textContent + "：" + label + " " + (i + 1));
      }
    });
    var add = group.querySelector("[data-add-row]");
    var max = Number(group.getAttribute("data-max-rows") || "0");
    if (add) add.hidden = max > 0 && rows.length >= max;
  }

  function addRow(group) {
    var template = group.querySelector("template[data-row-template]");
    if (!template) return null;
    var index = Number(group.getAttribute("data-next-row") || "0");
    var number = rowsOf(group).length + 1;
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replace(/__i__/g, String(index)).replace(/__n__/g, String(number));
    var row = holder.firstElementChild;
    var rows = rowsOf(group);
    var after = rows.length ? rows[rows.length - 1] : group.querySelector(".gz-group-title");
    after.insertAdjacentElement("afterend", row);
    group.setAttribute("data-next-row", String(index + 1));
    renumberRows(group);
    var first = row.querySelector("input, select, textarea");
    if (first) first.focus();
    return row;
  }

  function removeRow(row) {
    var group = row.parentElement;
    var rows = rowsOf(group);
    if (rows.length < 2) return;
    var next = rows[rows.indexOf(row) + 1] || rows[rows.indexOf(row) - 1];
    row.remove();
    renumberRows(group);
    // Focus stays in the group: on the row that took its place.
    if (next) next.focus();
  }

  function postData(form, submitter, withFiles) {
    var data = submitter ? new FormData(form, submitter) : new FormData(form);
    if (withFiles) return data;
    var params = new URLSearchParams();
    data.forEach(function (value, name) {
      if (typeof value === "string") params.append(name, value);
    });
    return params;
  }

  function enhance(form) {
    var formId = form.getAttribute("data-form");
    var action = form.getAttribute("action") || "";
    // Form routes live under …/web/act/…; the checks as you type under …/web/check/.
    var checkUrl = action.replace(/\/web\/.*$/, "/web/check/" + encodeURIComponent(formId));
    var touched = {};
    var timer = null;
    var multipart = (form.getAttribute("enctype") || "").indexOf("multipart") === 0;

    form.noValidate = true; // our messages, the same for every browser
    if (!form.elements.namedItem("_idem")) {
      var key = document.createElement("input");
      key.type = "hidden";
      key.name = "_idem";
      key.value = newKey();
      form.appendChild(key);
    }

    function check() {
      fetch(checkUrl, {
        method: "POST",
        body: postData(form, null, false),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (answer) {
          if (!answer) return;
          var fields = answer.fields || {};
          Object.keys(touched).forEach(function (path) { showFieldError(form, path, fields[path] || ""); });
          revealConditional(form, answer.hidden || []);
        })
        .catch(function () { /* offline: the submission will say */ });
    }

    function onEdit(event) {
      var name = event.target && event.target.name;
      if (!name || name.charAt(0) === "_" || event.target.type === "file") return;
      updateSums(form);
      var choice = event.target.type === "radio" || event.target.type === "checkbox" || event.target.tagName === "SELECT";
      // First check on leaving a text field; a choice may reveal other fields at once.
      if (event.type === "input" && !touched[name] && !choice) return;
      touched[name] = true;
      clearTimeout(timer);
      timer = setTimeout(check, event.type === "input" ? CHECK_DELAY_MS : 0);
    }
    form.addEventListener("input", onEdit);
    form.addEventListener("change", onEdit);
    form.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("[data-add-row], [data-remove-row]");
      if (!button || !form.contains(button)) return;
      event.preventDefault();
      if (button.hasAttribute("data-add-row")) addRow(button.closest(".gz-group"));
      else removeRow(button.closest(".gz-row"));
      updateSums(form);
      check(); // which fields of a new row apply; messages of a removed one go
    });
    updateSums(form);
    if (form.querySelector("[data-when]")) check(); // which conditional fields apply now

    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.FormData) return;
      event.preventDefault();
      var submitter = event.submitter || null;
      // Read the form before disabling its buttons: a disabled button is not posted.
      var body = postData(form, submitter, multipart);
      var buttons = form.querySelectorAll("button[type=submit]");
      buttons.forEach(function (b) { b.disabled = true; });
      // A button of its own route (approve or return …) posts there.
      var target = (submitter && submitter.getAttribute("formaction")) || action;
      fetch(target, {
        method: "POST",
        body: body,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (r) {
          return r.json().then(
            function (body) { return { status: r.status, body: body }; },
            function () { return { status: r.status, body: {} }; }
          );
        })
        .then(function (answer) {
          if (answer.status < 300 && answer.body.redirect) {
            window.location.assign(answer.body.redirect);
            return;
          }
          if (answer.status === 401) {
            window.location.assign("/api/web/sign-in?next=" + encodeURIComponent(location.pathname + location.search));
            return;
          }
          var fields = answer.body.fields || {};
          form.querySelectorAll("[data-error-for]").forEach(function (box) {
            showFieldError(form, box.getAttribute("data-error-for"), fields[box.getAttribute("data-error-for")] || "");
          });
          Object.keys(fields).forEach(function (path) { touched[path] = true; });
          fillSummary(form, answer.body.error || "提交未成功，请稍后再试。", fields);
          buttons.forEach(function (b) { b.disabled = false; });
        })
        .catch(function () {
          buttons.forEach(function (b) { b.disabled = false; });
          fillSummary(form, "网络连接失败，请检查网络后重新提交。", {});
        });
    });
  }

  ready(function () {
    document.querySelectorAll("form.gz-form[data-form]").forEach(enhance);
    // A page drawn with errors: move focus to its summary so it is read out first.
    var summary = document.querySelector(".gz-error-summary:not([hidden])");
    if (summary) summary.focus();
  });
})();
