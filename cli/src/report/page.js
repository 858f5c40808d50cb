"use strict";
// The report page of `lookalike scan --html` (cli/src/report/html.rs). Builds the cards from the
// JSON block #data, PAGE groups at a time as the user scrolls, keeps the user's decisions, and
// makes the plan file (README, "Plan files") in the page. No network: the CSP forbids it.
(() => {
  const data = JSON.parse(document.getElementById("data").textContent);
  const groups = data.groups;
  const PAGE = 50;
  // "g:i" -> "keep" | "remove" | "not_duplicate", only where the user chose.
  const chosen = new Map();
  const reviewed = new Set();
  const list = document.getElementById("groups");
  let shown = 0;

  // The keeper, a reference file and a member similar to another member only (not shown to look
  // like what is kept: "similar via others") are proposed to stay; the others for removal.
  const proposal = (g, i) => (i === 0 || groups[g].m[i].r || groups[g].m[i].k === null ? "keep" : "remove");
  const decision = (g, i) => chosen.get(g + ":" + i) ?? proposal(g, i);

  function size(bytes) {
    const units = ["kB", "MB", "GB", "TB"];
    if (bytes < 1000) return bytes + " B";
    let v = bytes / 1000, u = 0;
    while (v >= 1000 && u < units.length - 1) { v /= 1000; u++; }
    return (v < 10 ? v.toFixed(1) : v.toFixed(0)) + " " + units[u];
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function paint(card, g) {
    card.classList.toggle("reviewed", reviewed.has(g));
    card.querySelectorAll(".member").forEach((div) => {
      const i = Number(div.dataset.i);
      const d = decision(g, i);
      div.classList.remove("d-keep", "d-remove", "d-not_duplicate");
      div.classList.add("d-" + d);
      div.querySelectorAll(".choice button").forEach((b) => b.classList.toggle("on", b.dataset.d === d));
    });
  }

  function card(g) {
    const group = groups[g];
    const c = el("section", "group");
    c.dataset.g = g;
    const h = el("h2", null, "Group " + group.n + " · " + group.m.length + " images");
    const confirm = el("button", "confirm", "Confirm proposal");
    confirm.type = "button";
    h.append(confirm);
    c.append(h);
    const row = el("div", "members");
    group.m.forEach((m, i) => {
      const div = el("div", "member" + (i === 0 ? " keeper" : ""));
      div.dataset.i = i;
      const t = el("div", "thumb");
      if (m.i) {
        const img = el("img");
        img.loading = "lazy";
        img.decoding = "async";
        img.alt = m.p;
        img.src = m.i;
        t.append(img);
      } else {
        t.append(el("span", null, "no thumbnail"));
      }
      div.append(t);
      const tag = i === 0 ? "proposed keeper" : (m.k === null ? "similar via others" : m.k.toFixed(1) + "% like the keeper" + (m.o ? " (" + m.o + ")" : ""));
      div.append(el("div", "tag", tag + (m.r ? " · reference" : "")));
      div.append(el("div", null, m.w + "×" + m.h + " · " + size(m.s) + " · " + m.f));
      div.append(el("div", null, new Date(m.t).toISOString().slice(0, 19).replace("T", " ") + " UTC"));
      div.append(el("div", "path", m.p));
      const choice = el("div", "choice");
      for (const [d, label] of [["keep", "keep"], ["remove", "remove"], ["not_duplicate", "not a duplicate"]]) {
        const b = el("button", null, label);
        b.type = "button";
        b.dataset.d = d;
        choice.append(b);
      }
      div.append(choice);
      row.append(div);
    });
    c.append(row);
    paint(c, g);
    return c;
  }

  function more() {
    const end = Math.min(shown + PAGE, groups.length);
    const fragment = document.createDocumentFragment();
    for (; shown < end; shown++) fragment.append(card(shown));
    list.append(fragment);
    // The button confirms every card built so far, seen or not: say how many.
    document.getElementById("confirm-shown").textContent =
      "Confirm the " + shown + " groups loaded so far" + (shown < groups.length ? " (scroll for more)" : "");
  }

  function count() {
    document.getElementById("count").textContent = reviewed.size + " of " + groups.length + " groups reviewed";
  }

  // Confirms the proposal of every group built so far that the user has not touched.
  document.getElementById("confirm-shown").addEventListener("click", () => {
    for (let g = 0; g < shown; g++) reviewed.add(g);
    list.querySelectorAll("section.group").forEach((c) => paint(c, Number(c.dataset.g)));
    count();
  });

  list.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    const c = event.target.closest(".group");
    if (!button || !c) return;
    const g = Number(c.dataset.g);
    if (button.dataset.d) {
      const i = Number(button.closest(".member").dataset.i);
      chosen.set(g + ":" + i, button.dataset.d);
    }
    reviewed.add(g);
    paint(c, g);
    count();
  });

  // The plan: the reviewed groups, in page order, every member with its decision.
  function plan() {
    const out = [];
    for (let g = 0; g < groups.length; g++) {
      if (!reviewed.has(g)) continue;
      out.push({
        // A name that is not UTF-8 travels as its exact bytes too (`p_bytes`, as in the JSON).
        members: groups[g].m.map((m, i) => ({
          path: m.p,
          ...(m.p_bytes ? { path_bytes: m.p_bytes } : {}),
          size: m.s,
          mtime_ms: m.t,
          decision: decision(g, i),
        })),
      });
    }
    return { format: "lookalike-plan", version: 1, base: data.base, groups: out };
  }

  // What `lookalike apply` would refuse, said before the download: a group that removes files and
  // keeps none (no copy would be left) refuses the whole plan; nor does an empty plan help anyone.
  function problem(p) {
    if (p.groups.length === 0) return "No group is reviewed yet: change or confirm a group first.";
    for (let g = 0; g < groups.length; g++) {
      if (!reviewed.has(g)) continue;
      const says = groups[g].m.map((m, i) => decision(g, i));
      if (says.includes("remove") && !says.includes("keep")) {
        return "Group " + groups[g].n + " (" + groups[g].m[0].p + ") would remove every copy: keep one " +
          "(lookalike apply refuses such a plan).";
      }
    }
    return null;
  }

  document.getElementById("download").addEventListener("click", () => {
    const p = plan();
    const why = problem(p);
    const note = document.getElementById("plan-problem");
    note.textContent = why || "";
    note.hidden = !why;
    if (why) return;
    const text = JSON.stringify(p, null, 1) + "\n";
    const link = document.getElementById("link");
    if (link.href) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    link.download = "lookalike-plan.json";
    link.dataset.text = text;
    link.click();
  });

  const sentinel = document.getElementById("more");
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting) && shown < groups.length) {
      more();
      // Still in view after the new cards: observe again, which reports it once more.
      observer.unobserve(sentinel);
      observer.observe(sentinel);
    }
  }, { rootMargin: "2000px" });
  observer.observe(sentinel);

  more();
  count();
  window.lookalikeReport = { plan, shown: () => shown };
  // Milliseconds from the start of navigation to here (performance.now's origin).
  document.body.dataset.readyMs = String(Math.round(performance.now()));
  document.body.dataset.state = "ready";
})();
