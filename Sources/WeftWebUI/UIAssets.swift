/// The UI's stylesheet and script, served from `/ui/static/` (the CSP allows no inline
/// styles or scripts). No external fonts, no CDN.
enum UIAssets {
    static let css = #"""
:root { --fg: #1b1f24; --muted: #5a6470; --bg: #f6f7f9; --card: #fff; --line: #d5dae0;
  --accent: #0b5cad; --ok: #1a7f37; --err: #b42318; --warn: #9a6700; --rx: #0b5cad; --tx: #c2410c; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible, th button:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.25rem; padding: .6rem 1rem; background: #10243e; color: #fff; }
header.top a { color: #fff; }
.brand { font-weight: 700; font-size: 1.15rem; text-decoration: none; letter-spacing: .02em; }
nav ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: 0; padding: 0; }
nav a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 2px; }
form.logout { margin-left: auto; display: flex; align-items: center; gap: .5rem; }
.who { opacity: .85; }
main { max-width: 1200px; margin: 0 auto; padding: 1rem; }
footer { max-width: 1200px; margin: 0 auto; padding: 0 1rem 1rem; color: var(--muted); font-size: .85rem; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
.card > h2:first-child { margin-top: 0; }
section.card, .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin-bottom: 1rem; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 1rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.table-wrap { width: 100%; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; background: var(--card); }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; white-space: nowrap; }
th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0; color: var(--accent); cursor: pointer; }
th[aria-sort="ascending"] button::after { content: " ▲"; }
th[aria-sort="descending"] button::after { content: " ▼"; }
td.actions { white-space: nowrap; }
td.actions form { display: inline; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .82rem; border: 1px solid var(--line); }
.badge.ok { color: var(--ok); border-color: var(--ok); }
.badge.error { color: var(--err); border-color: var(--err); }
.badge.planned, .badge.pending { color: var(--warn); border-color: var(--warn); }
.muted { color: var(--muted); }
.flash { padding: .6rem .8rem; border-radius: 6px; border: 1px solid var(--line); background: var(--card); }
.flash.error { border-color: var(--err); color: var(--err); background: #fef3f2; }
.flash.ok { border-color: var(--ok); color: var(--ok); background: #f0fdf4; }
.flash.info { border-color: var(--accent); color: var(--accent); background: #eff6ff; }
label { display: block; font-weight: 600; margin: .6rem 0 .2rem; }
input[type=text], input[type=password], input[type=search], textarea { width: 100%; max-width: 32rem; font: inherit; padding: .45rem .5rem; border: 1px solid #9aa4b0; border-radius: 6px; background: #fff; }
textarea { max-width: 100%; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .9rem; min-height: 16rem; }
textarea[aria-invalid="true"] { border-color: var(--err); }
button, .button { font: inherit; padding: .4rem .9rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: #fff; color: var(--accent); }
button.danger { background: var(--err); border-color: var(--err); }
header.top button { background: transparent; border-color: #fff; }
.row { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .75rem 0; }
.login { max-width: 24rem; margin: 2rem auto; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 1rem; }
figure.chart { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .5rem; }
figure.chart figcaption { font-size: .85rem; color: var(--muted); overflow-wrap: anywhere; }
svg.traffic { width: 100%; height: auto; display: block; }
svg.traffic .grid { stroke: #e3e7ec; stroke-width: 1; }
svg.traffic .axis { fill: #5a6470; font-size: 14px; }
svg.traffic .line { stroke-width: 2; }
svg.traffic .rx, .key.rx { stroke: var(--rx); color: var(--rx); }
svg.traffic .tx, .key.tx { stroke: var(--tx); color: var(--tx); }
.key { font-weight: 700; }
.qr svg { width: 100%; max-width: 320px; height: auto; background: #fff; }
pre.rules, code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .9rem; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; }
ul.diff { list-style: none; padding: 0; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .9rem; }
ul.diff li { padding: .15rem .4rem; overflow-wrap: anywhere; }
ul.diff li.added { background: #e6ffec; }
ul.diff li.removed { background: #ffebe9; }
#check-result { min-height: 1.5rem; }
select, input[type=number], input[type=file] { font: inherit; padding: .4rem .5rem; border: 1px solid #9aa4b0; border-radius: 6px; background: #fff; max-width: 100%; }
select { width: 100%; max-width: 32rem; }
input[type=number] { width: 10rem; }
input.secret { font-family: ui-monospace, "DejaVu Sans Mono", monospace; max-width: 100%; }
textarea.short { min-height: 6rem; }
label.check { display: flex; gap: .5rem; align-items: center; font-weight: 400; }
.hint { margin: .15rem 0 0; color: var(--muted); font-size: .85rem; }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: .75rem 0; padding: .25rem .75rem .75rem; min-width: 0; }
legend { font-weight: 600; padding: 0 .25rem; }
form.inline { display: inline; }
details > summary { cursor: pointer; color: var(--accent); margin: .5rem 0; }
code.hash, td code { overflow-wrap: anywhere; }
.progress-row { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; margin: .5rem 0; }
progress { width: 100%; max-width: 24rem; height: 1.1rem; }
ul.inline-list { display: flex; flex-wrap: wrap; gap: .25rem .75rem; list-style: none; padding: 0; }
section.review { border-top: 1px solid var(--line); margin-top: 1rem; padding-top: .5rem; }
section.review h4, section.review h5 { margin: .75rem 0 .25rem; }
h3 { font-size: 1.05rem; margin: 0 0 .5rem; overflow-wrap: anywhere; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 600px) {
  main { padding: .6rem; }
  form.logout { margin-left: 0; }
  td.actions { white-space: normal; }
  /* The clientpack table becomes one card per pack. */
  table.cards thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.cards, table.cards tbody, table.cards tr, table.cards td { display: block; width: 100%; }
  table.cards tr { border: 1px solid var(--line); border-radius: 8px; margin-bottom: .6rem; padding: .3rem .5rem; }
  table.cards td { border: 0; padding: .15rem 0; display: flex; gap: .75rem; justify-content: space-between; flex-wrap: wrap; }
  table.cards td::before { content: attr(data-label); color: var(--muted); font-weight: 600; }
  table.cards td.actions { justify-content: flex-start; }
  table.cards td.actions::before { content: none; }
}
"""#

    static let javascript = #"""
"use strict";
(function () {
  // Live traffic charts: the server renders the SVG; this swaps it every 5 seconds.
  function refreshTraffic() {
    var box = document.getElementById("traffic");
    if (!box) return;
    var url = box.getAttribute("data-src");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } }).then(function (r) {
      if (r.redirected || !r.ok) { box.setAttribute("data-stale", "true"); return null; }
      return r.text();
    }).then(function (html) {
      if (html !== null && html !== undefined) { box.innerHTML = html; box.setAttribute("data-refreshed", String(Date.now())); }
    }).catch(function () { box.setAttribute("data-stale", "true"); });
  }

  // Tables: filter rows by the search box, sort by a column header, and (with
  // data-page-size) show one page at a time; search and sorting cover every page.
  // A search that is a whole address or clientpack name (four numbers) matches that one
  // exactly, so 100.127.255.20 does not also find .200 to .209.
  var WHOLE_ADDRESS = /^\d{1,3}([._])\d{1,3}\1\d{1,3}\1\d{1,3}$/;
  function matches(row, needle) {
    if (needle === "") return true;
    var text = (row.getAttribute("data-search") || row.textContent).toLowerCase();
    if (WHOLE_ADDRESS.test(needle)) return text.split(/\s+/).indexOf(needle) >= 0;
    return text.indexOf(needle) >= 0;
  }
  function setupTable(table) {
    var search = document.getElementById(table.getAttribute("data-search-input"));
    var count = document.getElementById(table.getAttribute("data-count"));
    var pager = document.getElementById(table.getAttribute("data-pager") || "");
    var size = Number(table.getAttribute("data-page-size") || "0");
    var body = table.tBodies[0];
    var page = 0;
    var initial = count ? count.textContent : "";
    function show() {
      var needle = search ? search.value.trim().toLowerCase() : "";
      var hits = Array.prototype.filter.call(body.rows, function (row) { return matches(row, needle); });
      var pages = size > 0 ? Math.max(1, Math.ceil(hits.length / size)) : 1;
      page = Math.min(Math.max(page, 0), pages - 1);
      Array.prototype.forEach.call(body.rows, function (row) { row.hidden = true; });
      hits.forEach(function (row, index) { row.hidden = size > 0 && Math.floor(index / size) !== page; });
      if (count) count.textContent = needle === "" ? initial : hits.length + " shown";
      if (pager) {
        pager.hidden = pages < 2;
        pager.querySelector("[data-role=status]").textContent = "Page " + (page + 1) + " of " + pages;
        pager.querySelector("[data-step='-1']").disabled = page === 0;
        pager.querySelector("[data-step='1']").disabled = page === pages - 1;
        pager.setAttribute("data-page", String(page + 1));
      }
    }
    if (search) search.addEventListener("input", function () { page = 0; show(); });
    if (pager) {
      Array.prototype.forEach.call(pager.querySelectorAll("button[data-step]"), function (button) {
        button.addEventListener("click", function () { page += Number(button.getAttribute("data-step")); show(); });
      });
    }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
      var button = th.querySelector("button");
      if (!button) return;
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var numeric = th.getAttribute("data-type") === "number";
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[column].getAttribute("data-sort") || a.cells[column].textContent;
          var y = b.cells[column].getAttribute("data-sort") || b.cells[column].textContent;
          var order = numeric ? (Number(x) - Number(y)) : x.localeCompare(y);
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
        page = 0;
        show();
      });
    });
    show();
  }

  // Firewall editor: check the whole rule list as the user types.
  function setupFirewall(form) {
    var area = form.querySelector("textarea");
    var result = document.getElementById("check-result");
    var csrf = form.querySelector("input[name=csrf]").value;
    var timer = null, sequence = 0;
    function check() {
      var mine = ++sequence;
      fetch("/ui/firewall/check", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept": "application/json" },
        body: JSON.stringify({ rules: area.value })
      }).then(function (r) { return r.json(); }).then(function (answer) {
        if (mine !== sequence) return;
        result.className = "flash " + (answer.ok ? "ok" : "error");
        result.textContent = answer.message;
        area.setAttribute("aria-invalid", answer.ok ? "false" : "true");
        result.setAttribute("data-state", answer.ok ? "ok" : "error");
      }).catch(function () {
        result.className = "flash error";
        result.textContent = "Could not check the rules (is the session still valid?)";
      });
    }
    area.addEventListener("input", function () {
      if (timer) clearTimeout(timer);
      result.setAttribute("data-state", "checking");
      timer = setTimeout(check, 250);
    });
  }

  // Live fragments (IPsec status): the server renders the HTML; this swaps it in, but
  // not while the user is filling a form, only when it changed, and without letting the
  // box shrink (so what is below it does not jump under the pointer).
  function setupRefresh(box) {
    var every = Number(box.getAttribute("data-interval") || "5000");
    var last = null;
    setInterval(function () {
      var active = document.activeElement;
      if (active && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName)) return;
      fetch(box.getAttribute("data-refresh"), { credentials: "same-origin", headers: { "Accept": "text/html" } }).then(function (r) {
        if (r.redirected || !r.ok) { box.setAttribute("data-stale", "true"); return null; }
        return r.text();
      }).then(function (html) {
        if (html === null || html === undefined) return;
        box.setAttribute("data-refreshed", String(Date.now()));
        if (html === last) return;
        last = html;
        box.style.minHeight = box.offsetHeight + "px";
        box.innerHTML = html;
      }).catch(function () { box.setAttribute("data-stale", "true"); });
    }, every);
  }

  // Snapshot restore, step 1: send the raw file with a progress bar; the answer is the
  // server's review of it (what it holds, the differences, the "Restore and restart" form).
  function setupUpload(form) {
    var input = form.querySelector("input[type=file]");
    var bar = document.getElementById("upload-progress");
    var status = document.getElementById("upload-status");
    var review = document.getElementById("restore-review");
    var csrf = form.querySelector("input[name=csrf]").value;
    function show(state, text, percent) {
      status.setAttribute("data-state", state);
      status.textContent = text;
      if (percent !== undefined) { bar.value = percent; bar.setAttribute("data-percent", String(percent)); }
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var file = input.files && input.files[0];
      if (!file) { show("error", "Choose a snapshot file first."); input.focus(); return; }
      review.innerHTML = "";
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action"));
      xhr.setRequestHeader("X-CSRF-Token", csrf);
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.setRequestHeader("X-File-Name", encodeURIComponent(file.name));
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) {
          var percent = Math.floor(e.loaded * 100 / e.total);
          show("uploading", "Uploading: " + percent + "%", percent);
        }
      };
      xhr.upload.onload = function () { show("checking", "Uploaded 100%; checking the file…", 100); };
      xhr.onerror = function () { show("error", "The upload failed (connection lost?); nothing was changed."); };
      xhr.onload = function () {
        var answer = null;
        try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
        if (xhr.status === 200 && answer && answer.ok) {
          show("checked", "Uploaded 100%: checked. Review it below; nothing changes until you restore it.", 100);
          review.innerHTML = answer.html;
          var heading = document.getElementById("review-title");
          if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
        } else {
          show("error", (answer && answer.message) || ("The upload was refused (HTTP " + xhr.status + "); nothing was changed."));
        }
      };
      show("uploading", "Uploading: 0%", 0);
      xhr.send(file);
    });
  }

  // After a restart request: poll until the daemon answers with another boot id.
  function waitForRestart(box) {
    var before = box.getAttribute("data-boot");
    var message = document.getElementById("restart-message");
    var started = Date.now();
    var timer = setInterval(function () {
      fetch("/ui/ping", { cache: "no-store" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (answer) {
        if (answer && answer.boot && answer.boot !== before) {
          clearInterval(timer);
          box.setAttribute("data-state", "back");
          message.textContent = "The controller is back (after " + Math.round((Date.now() - started) / 1000) + " s). Log in again to continue.";
          var progress = document.getElementById("restart-progress");
          if (progress) progress.hidden = true;
          var link = document.getElementById("restart-login");
          link.hidden = false;
          link.focus();
        } else if (!answer || answer.boot === before) {
          box.setAttribute("data-state", answer ? "waiting" : "down");
        }
      }).catch(function () { box.setAttribute("data-state", "down"); });
    }, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (document.getElementById("traffic")) setInterval(refreshTraffic, 5000);
    Array.prototype.forEach.call(document.querySelectorAll("[data-refresh]"), setupRefresh);
    Array.prototype.forEach.call(document.querySelectorAll("table[data-sortable]"), setupTable);
    var editor = document.getElementById("firewall-editor");
    if (editor) setupFirewall(editor);
    var upload = document.querySelector("form[data-upload]");
    if (upload) setupUpload(upload);
    var restart = document.getElementById("restart-wait");
    if (restart) waitForRestart(restart);
  });
  // Forms that ask first (also those inserted later, like the snapshot review's).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.hasAttribute && form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
"""#
}
