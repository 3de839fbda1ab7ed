/* First-party statistics, loaded only with statistics consent. Page views, clicks and engaged
   time are queued and sent in batches to /api/collect; a withdrawal stops everything. */
(function () {
  "use strict";
  var d = document, w = window, n = navigator, KEY = "winlas_track_queue";
  var queue = [], stopped = false, shown = Date.now(), engaged = 0;

  function id() {
    return w.crypto && crypto.randomUUID ? crypto.randomUUID()
      : "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
        var r = Math.random() * 16 | 0; return (c === "x" ? r : (r & 3 | 8)).toString(16);
      });
  }
  function push(event) {
    if (stopped) return;
    event.id = id(); event.ts = Date.now(); event.url = location.href;
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
  function engagement() {
    if (shown) { engaged += Date.now() - shown; shown = 0; }
    if (engaged > 999) { push({ type: "engagement", ms: engaged }); engaged = 0; }
  }

  try { queue = JSON.parse(sessionStorage.getItem(KEY)) || []; } catch (e) { queue = []; }
  push({
    type: "pageview", referrer: d.referrer,
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
    push({ type: "click", target: el.href || el.tagName.toLowerCase(),
      name: el.getAttribute("data-track") || (el.textContent || "").trim().slice(0, 80) });
    flush();
  }, true);
  d.addEventListener("visibilitychange", function () {
    if (d.visibilityState === "hidden") { engagement(); flush(); } else shown = Date.now();
  });
  w.addEventListener("pagehide", function () { engagement(); flush(); });
  d.addEventListener("winlas:consent", function (e) {
    if (e.detail.categories.indexOf("statistics") < 0) {
      stopped = true; queue = [];
      try { sessionStorage.removeItem(KEY); } catch (err) { /* storage off */ }
    }
  });
})();
