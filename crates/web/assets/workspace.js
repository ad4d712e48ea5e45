// Keyboard shortcuts for the workspace (no key is taken while typing in a field):
//   n  next account        /  search        1–9, 0  choose a disposition and focus "Log attempt"
//   a  focus the wrap-up form          p  focus the promise form
// The account page (the collector's desk) gets accessible tabs for the negotiation forms
// (without JavaScript they are stacked sections), offer buttons that fill a form, the
// dialer hook (`arrears:dial`), "Promise to pay" opening the promise tab and "Callback
// requested" focusing the callback field, focus on the first field to correct, and the
// one-time notice dropped from the address so a refresh does not show it again.
// htmx (vendored beside this file) sends the session's CSRF token with its requests.
(function () {
  "use strict";
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = document.body.dataset.csrf || "";
  });
  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  // ---- negotiation tabs (WAI-ARIA tabs pattern, manual activation)
  function tabs() { return Array.prototype.slice.call(document.querySelectorAll("#tabs [role=tab]")); }
  function selectTab(tab, focus) {
    tabs().forEach(function (other) {
      var selected = other === tab;
      other.setAttribute("aria-selected", selected ? "true" : "false");
      other.tabIndex = selected ? 0 : -1;
      var panel = document.getElementById(other.getAttribute("aria-controls"));
      if (panel) panel.hidden = !selected;
    });
    if (focus) tab.focus();
  }
  function setUpTabs() {
    var list = document.getElementById("tabs");
    if (!list) return;
    var all = tabs();
    if (!all.length) return;
    list.hidden = false;
    document.getElementById("negotiation").classList.add("js-tabs");
    var open = all.filter(function (tab) { return tab.getAttribute("aria-selected") === "true"; })[0] || all[0];
    selectTab(open, false);
    all.forEach(function (tab, index) {
      tab.addEventListener("click", function () { selectTab(tab, false); });
      tab.addEventListener("keydown", function (event) {
        var to = null;
        if (event.key === "ArrowRight") to = all[(index + 1) % all.length];
        else if (event.key === "ArrowLeft") to = all[(index + all.length - 1) % all.length];
        else if (event.key === "Home") to = all[0];
        else if (event.key === "End") to = all[all.length - 1];
        if (to) { event.preventDefault(); selectTab(to, true); }
      });
    });
  }
  function openTab(name) {
    var tab = document.getElementById("tab-" + name);
    if (tab && !document.getElementById("tabs").hidden) selectTab(tab, false);
  }

  // ---- offers fill their form: data-fill="id=value;id=value"
  document.addEventListener("click", function (event) {
    var offer = event.target.closest && event.target.closest("button.offer");
    if (!offer) return;
    var first = null;
    (offer.dataset.fill || "").split(";").forEach(function (pair) {
      var at = pair.indexOf("=");
      if (at < 0) return;
      var field = document.getElementById(pair.slice(0, at));
      if (!field) return;
      if (field.type === "radio" || field.type === "checkbox") field.checked = true;
      else field.value = pair.slice(at + 1);
      if (!first) first = field;
    });
    if (first) first.focus();
  });

  // ---- the dialer hook: a softphone listens for arrears:dial and may take the call over
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-dial]");
    if (!link) return;
    var dial = new CustomEvent("arrears:dial", {
      bubbles: true,
      cancelable: true,
      detail: { number: link.dataset.dial, account: location.pathname }
    });
    if (!link.dispatchEvent(dial)) event.preventDefault();
  });

  // ---- the wrap-up: what a disposition means for the rest of the call
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target || target.name !== "disposition") return;
    if (target.value === "promise") {
      openTab("promise");
      var date = document.getElementById("date_1");
      if (date) date.focus();
    } else if (target.value === "callback") {
      var at = document.getElementById("wrap-callback");
      if (at) at.focus();
    }
    // Who chose the callback's time follows the disposition until the agent says:
    // "callback requested" is the debtor asking (their consent), any other the agent.
    var who = document.getElementById("wrap-who");
    if (who && !who.dataset.touched) {
      var asked = document.getElementById(target.value === "callback" ? "wrap-requested" : "wrap-chosen");
      if (asked) asked.checked = true;
    }
  });
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.name === "requested_by_debtor" && event.isTrusted) {
      var who = document.getElementById("wrap-who");
      if (who && who.contains(target)) who.dataset.touched = "1";
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var key = event.key;
    if (key === "n" || key === "N") {
      var next = document.getElementById("next");
      if (next) { event.preventDefault(); next.click(); }
    } else if (key === "/") {
      var search = document.getElementById("q");
      if (search) { event.preventDefault(); search.focus(); }
    } else if (key === "a") {
      var contact = document.getElementById("attempt-contact");
      if (contact) { event.preventDefault(); contact.focus(); }
    } else if (key === "p") {
      var date = document.getElementById("date_1");
      if (date) { event.preventDefault(); openTab("promise"); date.focus(); }
    } else if (/^[0-9]$/.test(key)) {
      var radios = document.querySelectorAll("#attempt-form input[name=disposition]");
      var index = key === "0" ? 9 : Number(key) - 1;
      if (radios[index]) {
        event.preventDefault();
        radios[index].checked = true;
        radios[index].dispatchEvent(new Event("change", { bubbles: true }));
        if (radios[index].value !== "promise" && radios[index].value !== "callback") {
          document.getElementById("log-attempt").focus();
        }
      }
    }
  });

  // "Who chose this time?" matters once a callback time is typed: shown from then on.
  function showWho() {
    var at = document.getElementById("wrap-callback");
    var who = document.getElementById("wrap-who");
    if (at && who) who.hidden = !at.value && !who.querySelector("[aria-invalid=true]");
  }
  document.addEventListener("input", function (event) {
    if (event.target && event.target.id === "wrap-callback") showWho();
  });

  function ready() {
    setUpTabs();
    showWho();
    // Focus the first field to correct (autofocus does it too; this covers a page
    // restored from the cache).
    var invalid = document.querySelector("[autofocus]") || document.querySelector("[aria-invalid=true]");
    if (invalid && document.activeElement === document.body) invalid.focus();
    // The one-time notice: drop ?done= so a refresh does not repeat it.
    if (location.search.indexOf("done=") >= 0 && window.history.replaceState) {
      window.history.replaceState(null, "", location.pathname);
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
