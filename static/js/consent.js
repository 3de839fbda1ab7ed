/* Cookie banner enhancement. Without this file every button posts the form and the server
   redirects back; with it the choice is sent with fetch and applied in place. No dependencies. */
(function () {
  "use strict";
  var d = document, opener = null;
  function $(s, r) { return (r || d).querySelector(s); }
  function banner() { return $("[data-consent-banner]"); }

  function say() {
    var s = $("[data-consent-status]");
    if (!s) return;
    s.textContent = "";
    setTimeout(function () { s.textContent = s.getAttribute("data-saved"); }, 50);
  }

  // show the first layer or the settings of the banner, moving focus into what was shown
  function layer(settings) {
    var b = banner(), toggle = $("[data-consent-settings]", b);
    $(".consent-first", b).hidden = settings;
    $(".consent-settings", b).hidden = !settings;
    toggle.setAttribute("aria-expanded", settings);
    (settings ? $("legend", b) : toggle).focus();
  }

  function close() {
    banner().hidden = true;
    (opener && d.contains(opener) ? opener : $("#main")).focus();
    opener = null;
  }

  function apply(result, form) {
    ["statistics", "marketing"].forEach(function (c) {
      var box = form.elements[c];
      if (box && !box.disabled) box.checked = result.categories.indexOf(c) >= 0;
    });
    result.clear_storage.forEach(function (key) {
      try { sessionStorage.removeItem(key); localStorage.removeItem(key); } catch (e) { /* off */ }
    });
    result.load.forEach(function (src) {
      if ($('script[src="' + src + '"]')) return;
      var s = d.createElement("script");
      s.src = src;
      d.head.appendChild(s);
    });
    // the tracker listens: a withdrawal stops it without a reload
    d.dispatchEvent(new CustomEvent("winlas:consent", { detail: result }));
    close();
    say();
  }

  d.addEventListener("submit", function (e) {
    var form = e.target.closest("[data-consent-form]"), button = e.submitter;
    // the settings page posts normally and returns to where the visitor came from
    if (!form || !button || !banner() || !banner().contains(form)) return;
    e.preventDefault();
    if (button.value === "settings") return layer(true);
    var data = new FormData(form);
    data.set("action", button.value);
    // form.action would be the buttons named "action": read the attribute
    fetch(form.getAttribute("action"), {
      method: "POST", body: data, credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (r) {
      if (!r.ok) throw r;
      return r.json();
    }).then(function (result) { apply(result, form); }, function () {
      // the plain form post always works: fall back to it
      var field = d.createElement("input");
      field.type = "hidden"; field.name = "action"; field.value = button.value;
      form.appendChild(field);
      HTMLFormElement.prototype.submit.call(form);
    });
  });

  d.addEventListener("click", function (e) {
    var link = e.target.closest("[data-consent-open]");
    if (!link || !banner()) return;
    e.preventDefault();
    opener = link;
    banner().hidden = false;
    layer(true);
  });

  // Esc leaves the settings: back to the first layer on a first visit, closed when reopened
  d.addEventListener("keydown", function (e) {
    var b = banner();
    if (e.key !== "Escape" || !b || b.hidden || $(".consent-settings", b).hidden) return;
    if (opener) close(); else layer(false);
  });
})();
