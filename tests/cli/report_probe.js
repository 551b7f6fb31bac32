// Measures the goalsync report loaded in the iframe #report (see test_report.py) and
// appends the findings as JSON in a pre element with id probe-result, for `--dump-dom`.
(function () {
  const frame = document.getElementById("report");
  const doc = frame.contentDocument, win = frame.contentWindow;
  const vw = doc.documentElement.clientWidth;
  const out = {viewport: vw, scroll_width: doc.documentElement.scrollWidth,
               overflow: [], clipped: [], wrapped: [], charts: {}, min_font_px: 99,
               stacked: false, headers_shown: false};
  const visible = (el) => el.getClientRects().length > 0;
  for (const el of doc.querySelectorAll("body *")) {
    if (!visible(el) || el.closest("svg")) continue;
    const r = el.getBoundingClientRect();
    if (r.right > vw + 0.5 || r.left < -0.5)
      out.overflow.push(el.tagName + ": " + (el.textContent || "").trim().slice(0, 60));
  }
  for (const svg of doc.querySelectorAll("svg")) {
    if (!visible(svg)) continue;
    const kind = svg.getAttribute("class");
    out.charts[kind] = (out.charts[kind] || 0) + 1;
    const box = svg.viewBox.baseVal;
    for (const t of svg.querySelectorAll("text")) {
      const b = t.getBBox();
      if (b.x < box.x - 0.5 || b.x + b.width > box.x + box.width + 0.5 ||
          b.y < box.y - 0.5 || b.y + b.height > box.y + box.height + 0.5)
        out.clipped.push(kind + ": " + t.textContent);
      const size = parseFloat(win.getComputedStyle(t).fontSize);
      const scale = svg.getBoundingClientRect().width / box.width;
      out.min_font_px = Math.min(out.min_font_px, size * scale);
    }
  }
  for (const t of doc.querySelectorAll("time")) {
    if (visible(t) && t.getClientRects().length > 1) out.wrapped.push(t.textContent);
  }
  const cell = doc.querySelector("table.stack td");
  if (cell) out.stacked = win.getComputedStyle(cell).display === "block";
  const head = doc.querySelector("table.stack thead");
  if (head) out.headers_shown = visible(head);
  const pre = document.createElement("pre");
  pre.id = "probe-result";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
