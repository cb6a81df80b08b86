/* IMS Records pages: small progressive enhancements. No inline scripts (CSP). */
(function () {
  "use strict";

  function rowsOf(prefix) { return document.querySelector('[data-formset="' + prefix + '"]'); }

  function catalogueNames() {
    var list = document.getElementById("muscle-catalogue");
    var names = {};
    if (!list) { return names; }
    Array.prototype.forEach.call(list.options, function (o) { names[o.value.toLowerCase()] = o.value; });
    return names;
  }

  function notifyChange(el) {
    var form = el.closest("form");
    if (form) { form.dispatchEvent(new Event("change", { bubbles: true })); }
  }

  // Give every row's fields the index of the row's position: release order = list order.
  // Two passes, so radio groups never share a name for a moment (that would uncheck them).
  function renumber(prefix) {
    var container = rowsOf(prefix);
    if (!container) { return; }
    var rows = container.querySelectorAll(":scope > [data-row]");
    var pattern = new RegExp(prefix + "-(\\d+|__prefix__|x\\d+)-", "g");
    [true, false].forEach(function (temporary) {
      rows.forEach(function (row, index) {
        var replacement = prefix + "-" + (temporary ? "x" + index : index) + "-";
        row.querySelectorAll("[name],[id],[for]").forEach(function (el) {
          ["name", "id", "for"].forEach(function (attr) {
            var value = el.getAttribute(attr);
            if (value) { el.setAttribute(attr, value.replace(pattern, replacement)); }
          });
        });
        if (!temporary) {
          var no = row.querySelector(".row-no");
          if (no) { no.textContent = String(index + 1); }
          var label = row.querySelector(".row-label");
          if (label) { label.textContent = label.textContent.replace(/\d+$|$/, String(index + 1)); }
        }
      });
    });
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    if (total) { total.value = String(rows.length); }
  }

  function blankRow(prefix) {
    var container = rowsOf(prefix);
    var rows = container ? container.querySelectorAll(":scope > [data-row]") : [];
    for (var i = 0; i < rows.length; i++) {
      var input = rows[i].querySelector(".muscle-input");
      if (input && !input.value.trim()) { return rows[i]; }
    }
    return null;
  }

  function addRow(prefix, muscleName) {
    var container = rowsOf(prefix);
    var template = document.getElementById(prefix + "-empty");
    if (!container || !template) { return null; }
    var row = muscleName ? blankRow(prefix) : null;
    if (!row) {
      var fragment = template.content.cloneNode(true);
      row = fragment.querySelector("[data-row]");
      container.appendChild(fragment);
      renumber(prefix);
    }
    if (muscleName) {
      var input = row.querySelector(".muscle-input");
      if (input) { input.value = muscleName; }
    }
    notifyChange(container);
    return row;
  }

  // After a muscle is chosen the next decision is its side: go there (in order of preference).
  function focusFirstChoice(row) {
    var selectors = [".side input:checked", ".side input", "select", "input:not([type=hidden])"];
    for (var i = 0; i < selectors.length; i++) {
      var target = row.querySelector(selectors[i]);
      if (target) { target.focus(); return; }
    }
  }

  function addFromInput(prefix) {
    var input = document.querySelector('[data-add-muscle="' + prefix + '"]');
    if (!input) { return; }
    var status = document.getElementById("add-muscle-status");
    var name = catalogueNames()[input.value.trim().toLowerCase()];
    if (!name) {
      if (status) { status.textContent = input.value.trim() ? "Not in the catalogue: choose a muscle from the list." : ""; }
      return;
    }
    var row = addRow(prefix, name);
    input.value = "";
    if (status) { status.textContent = name + " added."; }
    if (row) { focusFirstChoice(row); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) { return; }
    if (button.hasAttribute("data-add-row")) {
      var prefix = button.getAttribute("data-add-row");
      var row = addRow(prefix, button.getAttribute("data-muscle"));
      if (row && !button.getAttribute("data-muscle")) { focusFirstChoice(row); }
      return;
    }
    if (button.hasAttribute("data-add-muscle-button")) {
      addFromInput(button.getAttribute("data-add-muscle-button"));
      return;
    }
    var rowEl = button.closest("[data-row]");
    if (!rowEl) { return; }
    var container = rowEl.parentElement;
    var prefixOf = container.getAttribute("data-formset");
    if (button.hasAttribute("data-remove")) {
      var next = rowEl.nextElementSibling || rowEl.previousElementSibling;
      rowEl.remove();
      renumber(prefixOf);
      notifyChange(container);
      if (next) { var b = next.querySelector("[data-remove]"); if (b) { b.focus(); } }
      return;
    }
    var move = button.getAttribute("data-move");
    if (move === "up" && rowEl.previousElementSibling) {
      container.insertBefore(rowEl, rowEl.previousElementSibling);
    } else if (move === "down" && rowEl.nextElementSibling) {
      container.insertBefore(rowEl.nextElementSibling, rowEl);
    } else { return; }
    renumber(prefixOf);
    notifyChange(container);
    button.focus();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") { return; }
    var target = event.target;
    if (target.hasAttribute && target.hasAttribute("data-add-muscle")) {
      event.preventDefault();
      addFromInput(target.getAttribute("data-add-muscle"));
    } else if (target.classList && target.classList.contains("muscle-input")) {
      // Enter picks the muscle and moves on; it never submits a half-filled session.
      event.preventDefault();
      var row = target.closest("[data-row]");
      if (row) { focusFirstChoice(row); }
    }
  });

  // Selects that apply at once (the body map's session).
  document.addEventListener("change", function (event) {
    if (event.target.classList && event.target.classList.contains("autosubmit")) {
      event.target.form.submit();
    }
    if (event.target.id === "id_needles_used" || event.target.id === "id_needles_removed") { sharps(); }
  });
  document.addEventListener("input", function (event) {
    if (event.target.id === "id_needles_used" || event.target.id === "id_needles_removed") { sharps(); }
  });

  function sharps() {
    var used = document.getElementById("id_needles_used");
    var removed = document.getElementById("id_needles_removed");
    var status = document.getElementById("sharps-status");
    if (!used || !removed || !status) { return; }
    if (used.value === removed.value) {
      status.textContent = "✓ All needles accounted for.";
      status.className = "meta ok";
    } else {
      status.textContent = "Needles used and removed differ: the session cannot be signed until they match.";
      status.className = "meta refusal-text";
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    sharps();
    // Without JavaScript the forms work with their server-rendered rows; with it, the tools appear.
    document.documentElement.classList.add("js");
  });
})();
