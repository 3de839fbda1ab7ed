/* First-party statistics, loaded only with statistics consent. Page views, clicks and engaged
   time are queued and sent in batches to /api/collect; a withdrawal stops everything.
   Nothing personal leaves the page: URLs go without query (utm_* kept) and fragment, mailto:/tel:
   links as their scheme, click names without addresses, phone numbers or long digit runs. */
(function () {
  "use strict";
  var d = document, w = window, n = navigator, KEY = "winlas_track_queue";
  // only pages the server marks as public (the consent banner may load this file anywhere)
  if (!d.body || !d.body.hasAttribute("data-tracked")) return;
  var queue = [], stopped = false, since = 0, engaged = 0;

  // an absolute http(s) URL without query (but its utm_* tags) and fragment; else the scheme
  function clean(href) {
    var u, q = [];
    try { u = new URL(href, location.href); } catch (e) { return ""; }
    if (!/^https?:$/.test(u.protocol)) return u.protocol;
    u.searchParams.forEach(function (v, k) {
      if (/^utm_/.test(k)) q.push(encodeURIComponent(k) + "=" + encodeURIComponent(v));
    });
    return u.origin + u.pathname + (q.length ? "?" + q.join("&") : "");
  }
  // a short label: addresses, phone-number-shaped runs and long digit runs removed
  function label(text) {
    return (text || "").replace(/\S+@\S+/g, " ").replace(/\+?\d[\d\s().\/-]{5,}\d|\d{5,}/g, " ")
      .replace(/\s+/g, " ").trim().slice(0, 60);
  }

  function id() {
    return w.crypto && crypto.randomUUID ? crypto.randomUUID()
      : "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
        var r = Math.random() * 16 | 0; return (c === "x" ? r : (r & 3 | 8)).toString(16);
      });
  }
  function push(event) {
    if (stopped) return;
    event.id = id(); event.ts = Date.now(); event.url = clean(location.href);
    queue.push(event);
    try { sessionStorage.setItem(KEY, JSON.stringify(queue)); } catch (e) { /* storage off */ }
  }
  function flush() {
    if (stopped || !queue.length) return;
    var body = JSON.stringify({ events: queue.splice(0, 50) });
    if (!(n.sendBeacon && n.sendBeacon("/api/collect", body))) {
      fetch("/api/collect", { method: "POST", body: body, keepalive: true, credentials: "same-origin",
        headers: { "Content-Type": "application/json" } }).catch(function () {});
    }
    try { sessionStorage.setItem(KEY, JSON.stringify(queue)); } catch (e) { /* storage off */ }
  }
  // engaged: visible ms since `since` (0 while hidden), zeroed once queued: none goes twice
  function leave() {
    if (since) { engaged += Date.now() - since; since = 0; }
    if (engaged > 999) { push({ type: "engagement", ms: engaged }); engaged = 0; }
    flush();
  }
  function resume() { if (!since && d.visibilityState === "visible") since = Date.now(); }

  resume();
  try { queue = JSON.parse(sessionStorage.getItem(KEY)) || []; } catch (e) { queue = []; }
  push({
    type: "pageview", referrer: d.referrer && clean(d.referrer),
    screen: screen.width + "x" + screen.height,
    viewport: w.innerWidth + "x" + w.innerHeight,
    tz: Intl.DateTimeFormat().resolvedOptions().timeZone,
    lang: (n.languages || [n.language]).slice(0, 3).join(","),
    platform: (n.userAgentData && n.userAgentData.platform) || n.platform
  });
  setTimeout(flush, 0);

  d.addEventListener("click", function (e) {
    var el = e.target.closest && e.target.closest("a[href],button,[data-track]");
    if (!el || el.closest("[data-consent-banner]")) return;
    // a link by where it leads; anything else by its name alone (its data-track, label or
    // text), never by its tag: "button" named every button alike (issue 17)
    push({ type: "click", target: el.href ? clean(el.href) : "",
      name: label(el.getAttribute("data-track") || el.getAttribute("aria-label")
        || el.textContent || el.getAttribute("title")) });
    // a link may unload the page, and a beacon sent then is the least sure: send its time now
    if (/^https?:$/.test(el.protocol)) { leave(); resume(); } else flush();
  }, true);
  d.addEventListener("visibilitychange", function () {
    if (d.visibilityState === "hidden") leave(); else resume();
  });
  w.addEventListener("pagehide", leave);
  // back from the back/forward cache: a new stretch
  w.addEventListener("pageshow", function (e) {
    if (e.persisted) { engaged = since = 0; resume(); }
  });
  d.addEventListener("winlas:consent", function (e) {
    if (e.detail.categories.indexOf("statistics") < 0) {
      stopped = true; queue = [];
      try { sessionStorage.removeItem(KEY); } catch (err) { /* storage off */ }
    }
  });
})();
