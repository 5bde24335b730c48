// Keyboard shortcuts, row selection and small conveniences for the agents' pages.
// Plain script, no build step; everything works without it, only slower.
(function () {
  "use strict";

  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

  function csrfToken() {
    const input = $("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // A POST as a real form submission, so the server's redirect and messages work as usual.
  function post(url, fields) {
    const form = document.createElement("form");
    form.method = "post";
    form.action = url;
    const all = Object.assign({ csrfmiddlewaretoken: csrfToken() }, fields);
    for (const [name, value] of Object.entries(all)) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.appendChild(input);
    }
    document.body.appendChild(form);
    form.submit();
  }

  function typing(event) {
    const el = event.target;
    return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
  }

  // ---- Inbox list -------------------------------------------------------------------
  function rows() { return $$("#inbox-results tr.row"); }

  function cursorRow() {
    const id = ($("#cursor") || {}).value;
    return rows().find((r) => r.dataset.id === id) || null;
  }

  function setCursor(row) {
    rows().forEach((r) => r.classList.toggle("cursor", r === row));
    if ($("#cursor")) $("#cursor").value = row ? row.dataset.id : "";
    if (row) row.scrollIntoView({ block: "nearest" });
  }

  function moveCursor(step) {
    const all = rows();
    if (!all.length) return;
    const index = all.indexOf(cursorRow());
    const next = index < 0 ? 0 : Math.min(all.length - 1, Math.max(0, index + step));
    setCursor(all[next]);
  }

  function updateSelectedCount() {
    const label = $("[data-selected-count]");
    if (!label) return;
    const n = $$("input[form=bulk][name=selected]:checked").length;
    label.textContent = n ? n + (n === 1 ? " ticket selected" : " tickets selected")
                          : "Select tickets for bulk actions";
  }

  function ticketUrl(row, suffix) { return row.dataset.url + (suffix || ""); }

  function inboxKey(event) {
    const row = cursorRow();
    switch (event.key) {
      case "j": moveCursor(1); return true;
      case "k": moveCursor(-1); return true;
      case "o": case "Enter": if (row) window.location = ticketUrl(row); return !!row;
      case "r": if (row) window.location = ticketUrl(row, "#reply"); return !!row;
      case "x": {
        const box = row && $("input[type=checkbox]", row);
        if (box) { box.checked = !box.checked; updateSelectedCount(); }
        return !!box;
      }
      case "a":
        if (row) post(ticketUrl(row, "do/claim/"), { next: location.pathname + location.search });
        return !!row;
      case "n":
        if (row && window.confirm("Mark this ticket “No response required”?")) {
          post(ticketUrl(row, "do/clock/"), {
            kind: "no_response_required", next: location.pathname + location.search,
          });
        }
        return !!row;
    }
    return false;
  }

  // ---- Ticket page ------------------------------------------------------------------
  function ticketKey(event) {
    switch (event.key) {
      case "r": {
        const body = $("#composer textarea[name=body]");
        if (body) { body.scrollIntoView({ block: "center" }); body.focus(); }
        return !!body;
      }
      case "n": {
        const nrr = $("details[data-key=n]");
        if (nrr) { nrr.open = true; $("button[type=submit]", nrr).focus(); }
        return !!nrr;
      }
      case "a": {
        const claim = $("button[data-key=a]");
        if (claim) claim.click();
        return !!claim;
      }
      case "j": case "k": {
        const messages = $$(".thread .msg");
        if (!messages.length) return false;
        const index = messages.indexOf(document.activeElement);
        const step = event.key === "j" ? 1 : -1;
        const next = index < 0 ? (step > 0 ? 0 : messages.length - 1)
                               : Math.min(messages.length - 1, Math.max(0, index + step));
        messages[next].focus();
        messages[next].scrollIntoView({ block: "nearest" });
        return true;
      }
    }
    return false;
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape" && typing(event)) { event.target.blur(); return; }
    if (typing(event)) return;
    let handled = false;
    if (event.key === "?") {
      const help = $("#keys");
      if (help) { help.showModal(); handled = true; }
    } else if (event.key === "/") {
      const search = $(".top .search input");
      if (search) { search.focus(); search.select(); handled = true; }
    } else if (document.body.classList.contains("page-inbox")) {
      handled = inboxKey(event);
    } else if (document.body.classList.contains("page-ticket")) {
      handled = ticketKey(event);
    }
    if (handled) event.preventDefault();
  });

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-help]")) { $("#keys").showModal(); return; }
    const row = event.target.closest("#inbox-results tr.row");
    if (row && !event.target.closest("a, input, button, label")) {
      setCursor(row);
      window.location = ticketUrl(row);
    }
  });

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target.matches("[data-select-all]")) {
      $$("input[form=bulk][name=selected]").forEach((box) => { box.checked = target.checked; });
    }
    if (target.matches("input[form=bulk][name=selected], [data-select-all]")) updateSelectedCount();
    const auto = target.closest("form[data-autosubmit]");
    if (auto && target.tagName === "SELECT") auto.submit();
  });

  // The composer tells the presence poll whether this agent is writing.
  document.addEventListener("input", (event) => {
    if (!event.target.closest("#composer")) return;
    const flag = $("#composing");
    const body = $("#composer textarea[name=body]");
    if (flag) flag.value = body && body.value.trim() ? "1" : "0";
  });

  // After the inbox refreshes itself, the cursor (sent with the poll) and the selection
  // (sent back checked) are already in the rows; only the counter needs redrawing.
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target && event.detail.target.id === "inbox-results") updateSelectedCount();
  });

  // The live check answers 413 with its reason when a reply is too long to check: show it
  // (htmx leaves error answers unswapped by default).
  document.addEventListener("htmx:beforeSwap", (event) => {
    const target = event.detail.target;
    if (event.detail.xhr.status === 413 && target && target.id === "preview") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    updateSelectedCount();
    if (location.hash === "#reply") {
      const body = $("#composer textarea[name=body]");
      if (body) body.focus();
    }
  });
})();
