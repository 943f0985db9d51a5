// Follow a pending submission: ask for its status every second and reload the page (to
// show the feedback) when it has changed. Without JavaScript the page refreshes itself.
(function () {
  var el = document.getElementById("status");
  if (!el || !el.dataset.poll) { return; }
  var shown = el.textContent;
  function tick() {
    fetch(el.dataset.poll, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (s && s.status !== shown) {
          if (s.status === "running") { el.textContent = shown = "running"; setTimeout(tick, 1000); }
          else { window.location.reload(); }
        } else { setTimeout(tick, 1000); }
      })
      .catch(function () { setTimeout(tick, 2000); });
  }
  setTimeout(tick, 1000);
})();
