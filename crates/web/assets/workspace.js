// Keyboard shortcuts for the workspace (no key is taken while typing in a field):
//   n  next account        /  search        1–9, 0  choose a disposition and focus "Log attempt"
//   a  focus the attempt form          p  focus the promise form
// htmx (vendored beside this file) sends the session's CSRF token with its requests.
(function () {
  "use strict";
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = document.body.dataset.csrf || "";
  });
  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var key = event.key;
    if (key === "n") {
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
      if (date) { event.preventDefault(); date.focus(); }
    } else if (/^[0-9]$/.test(key)) {
      var radios = document.querySelectorAll("#attempt-form input[name=disposition]");
      var index = key === "0" ? 9 : Number(key) - 1;
      if (radios[index]) {
        event.preventDefault();
        radios[index].checked = true;
        document.getElementById("log-attempt").focus();
      }
    }
  });
})();
