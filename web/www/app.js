// The lookalike page: collects files, hands them to a pool of hashing workers (worker.js), keeps
// an index of their signatures (lookalike-web's SignatureIndex), and shows groups of look-alike
// images for the chosen sensitivity. Nothing here touches the network (see the CSP in index.html;
// the workers, which receive the files, are started from blob: URLs so that the same policy binds
// them too).
import { loadLookalike } from "./wasm.js";
import { DECISIONS, decisionFor, findGroups, makePlan, planProblem, scoreMembers } from "./groups.js";
import { installTestHooks } from "./testhooks.js";
import { WorkerPool } from "./pool.js";

const $ = (selector) => document.querySelector(selector);

// Images whose MIME type the browser does not know are still tried when the name looks like one.
const IMAGE_NAME = /\.(jpe?g|png|gif|webp|avif|bmp|ico|svg|tiff?|heic|heif|jxl)$/i;
// At most this many matches are kept per image (the index returns the best first).
const MATCHES_PER_IMAGE = 50;
// This many times as many hits are taken from the index, each compared with both pictures' side
// probes, before the best MATCHES_PER_IMAGE are kept (the command line's RAISED_SHARE).
const RAISED_SHARE = 4;
// Regrouping while hashing is throttled so that thousands of results don't redraw thousands of
// times: at most every 400 ms, and at most a tenth of the page's time (a render that took 60 ms
// waits 600 ms), so that the page's thread stays free for the slider and the workers' answers.
const RENDER_INTERVAL_MS = 400;
const RENDER_SHARE = 0.1;
// The progress line is redrawn at most this often while hashing.
const PROGRESS_INTERVAL_MS = 250;
// A group shows this many members until its "Show all" button is pressed: moving the slider over
// a thousand look-alike photos then moves a few hundred figures, not a thousand, and the page
// holds a few hundred thumbnails and figures, not a thousand (with 48, a thousand photos in
// groups of 40 took about 90 MB more of the page's memory).
const SHOWN_MEMBERS = 12;

const state = {
  lookalike: null,
  index: null,
  images: [], // { id, name, file, signature?, width?, height?, error?, indexId? }
  byIndexId: new Map(),
  edges: [], // { a, b, similarity, score }: pairs above the lowest sensitivity's threshold
  edgesById: new Map(), // image id -> its edges
  seen: new Set(), // name, size and time of every file added (the same file twice is skipped)
  repeated: 0,
  decisions: new Map(), // image id -> "keep" | "remove" | "not_duplicate", as the user marked it
  found: [], // the groups shown
  lastPlan: null, // the last plan Blob offered for download
  regroup: false, // a pair at or above the threshold arrived since the last render
  figures: new Map(), // image id -> { figure, detail, choice, shown }: made once, updated by render
  articles: new Map(), // member ids of a group -> { article, title, row, more }, reused when shown again
  expanded: new Set(), // member ids of the groups whose "Show all" was pressed
  scores: new Map(), // "keeper id:member id" -> { similarity, score } (compareSignatures, cached)
  floor: 0, // minSimilarity(0)
  pool: null, // the hashing workers (pool.js)
  done: 0,
  failed: 0,
  skipped: 0,
  blank: 0, // hashed pictures with no structure to compare: they match nothing (named in #notes)
  startedAt: 0,
  finishedAt: 0,
  times: { readMs: 0, decodeMs: 0, hashMs: 0, thumbnailMs: 0 }, // summed over the images
  stalledReads: 0, // files whose stream stalled and were read whole instead (worker.js)
  renderParts: null, // the last render: { groupMs, scoreMs, drawMs, totalMs, moved (nodes) }
  renderTimer: 0,
  progressTimer: 0,
  generation: 0, // bumped by "Clear", so that answers for cleared files are dropped
  urls: new Map(), // image id -> object URL of its thumbnail
  compare: { a: null, b: null, next: "a" },
  allTurns: false, // the "all eight turns" box: also flipped upside down and transposed copies
};

// ---------------------------------------------------------------- collecting files

function looksLikeImage(file) {
  return file.type.startsWith("image/") || (file.type === "" && IMAGE_NAME.test(file.name));
}

function addFiles(files) {
  const fresh = [];
  for (const { file, name } of files) {
    if (!looksLikeImage(file)) {
      state.skipped++;
      continue;
    }
    const key = `${name}\u0000${file.size}\u0000${file.lastModified}`;
    if (state.seen.has(key)) {
      state.repeated++;
      continue;
    }
    state.seen.add(key);
    const image = { id: state.images.length, name, file };
    state.images.push(image);
    fresh.push(image);
  }
  if (fresh.length === 0) {
    updateProgress();
    return;
  }
  if (state.done === state.images.length - fresh.length) {
    // A new batch: its speed and time left count from here, over its own images.
    state.startedAt = performance.now();
    state.startedDone = state.done;
  }
  document.body.dataset.state = "hashing";
  updateProgress();
  const generation = state.generation;
  for (const image of fresh) {
    state.pool.hash(image.file).then((answer) => {
      if (generation === state.generation) hashed(image, answer);
    });
  }
}

function hashed(image, answer) {
  state.done++;
  if (answer.error) {
    image.error = answer.error;
    state.failed++;
    showError(image.name, answer.error);
  } else {
    image.signature = answer.signature;
    image.width = answer.width;
    image.height = answer.height;
    image.thumbnail = answer.thumbnail;
    image.decoder = answer.decoder;
    for (const key of Object.keys(state.times)) state.times[key] += answer[key] || 0;
    if (answer.readStalled) state.stalledReads++;
    try {
      addEdges(edgesOf(image));
      const info = state.lookalike.SignatureInfo.fromBytes(image.signature);
      let blank;
      try {
        blank = info.blank;
      } finally {
        info.free();
      }
      image.indexId = state.index.add(image.signature);
      state.byIndexId.set(image.indexId, image);
      if (blank) {
        state.blank++;
        showNote(image.name, BLANK_NOTE);
      }
    } catch (error) {
      image.error = error.message;
      state.failed++;
      showError(image.name, error.message);
    }
  }
  scheduleProgress();
  scheduleRender();
}

/**
 * The best matches of a hashed picture among those the index holds (a picture is queried before
 * it is added, so these are the pictures hashed before it), as edges.
 */
function edgesOf(image) {
  // The index finds pairs through this picture's side probes; the other picture's own ones
  // may frame a pair better (compareSignatures uses both), so a pair scores the same
  // whichever of its two files was hashed first, as on the command line. A hit may rise past
  // others: RAISED_SHARE times as many are taken, the best MATCHES_PER_IMAGE kept.
  const edges = [];
  for (const hit of state.index.query(image.signature, state.floor, MATCHES_PER_IMAGE * RAISED_SHARE)) {
    const other = state.byIndexId.get(hit.id);
    hit.free();
    // compareSignatures is the whole comparison: at least the index's hit, but capped when
    // one of the two had a caption band and the other not (which the index does not know).
    const both = state.lookalike.compareSignatures(other.signature, image.signature, state.allTurns);
    edges.push({
      a: other.id,
      b: image.id,
      similarity: both.similarity,
      score: both.score,
    });
    both.free();
  }
  edges.sort((x, y) => y.similarity - x.similarity || x.a - y.a);
  return edges.slice(0, MATCHES_PER_IMAGE);
}

function addEdges(edges) {
  const minSimilarity = threshold();
  for (const edge of edges) {
    state.edges.push(edge);
    if (edge.similarity >= minSimilarity) state.regroup = true;
    for (const id of [edge.a, edge.b]) {
      if (!state.edgesById.has(id)) state.edgesById.set(id, []);
      state.edgesById.get(id).push(edge);
    }
  }
}

/**
 * The "all eight turns" box: queries and comparisons try all eight orientations of the square
 * (also flipped upside down and reflected in a diagonal, as `scan --all-turns`) or the default
 * five. The index is built again in the order the pictures were hashed, each queried before it
 * is added, as when it was hashed: the same edges as if the box had been set from the start.
 */
function allTurnsChanged() {
  state.allTurns = $("#all-turns").checked;
  const hashedSoFar = state.images
    .filter((image) => image.indexId !== undefined)
    .sort((x, y) => x.indexId - y.indexId);
  state.index.free();
  state.index = new state.lookalike.SignatureIndex();
  state.index.setAllTurns(state.allTurns);
  state.byIndexId.clear();
  state.edges = [];
  state.edgesById.clear();
  state.scores.clear();
  for (const image of hashedSoFar) {
    addEdges(edgesOf(image));
    image.indexId = state.index.add(image.signature);
    state.byIndexId.set(image.indexId, image);
  }
  render();
  showVerdict();
}

/**
 * Redraws the progress line at most every PROGRESS_INTERVAL_MS while hashing, and at once at the
 * end: redrawing it for every photo cost the page's thread about 3 ms of CPU per photo.
 */
function scheduleProgress() {
  if (state.done === state.images.length) {
    clearTimeout(state.progressTimer);
    state.progressTimer = 0;
    updateProgress();
  } else if (!state.progressTimer) {
    state.progressTimer = setTimeout(() => {
      state.progressTimer = 0;
      updateProgress();
    }, PROGRESS_INTERVAL_MS);
  }
}

async function entryFiles(entry, out) {
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
    out.push({ file, name: entry.fullPath.replace(/^\//, "") });
  } else if (entry.isDirectory) {
    const reader = entry.createReader();
    for (;;) {
      const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) break;
      for (const child of batch) await entryFiles(child, out);
    }
  }
}

async function dropped(event) {
  event.preventDefault();
  $("#drop").classList.remove("over");
  const items = [...event.dataTransfer.items];
  const entries = items.map((item) => item.webkitGetAsEntry && item.webkitGetAsEntry());
  const files = [];
  if (entries.every(Boolean)) {
    for (const entry of entries) {
      try {
        await entryFiles(entry, files);
      } catch (error) {
        showError(entry.fullPath, error.message || "cannot read");
      }
    }
  } else {
    for (const file of event.dataTransfer.files) files.push({ file, name: file.name });
  }
  addFiles(files);
}

function picked(input) {
  const files = [...input.files].map((file) => ({ file, name: file.webkitRelativePath || file.name }));
  input.value = "";
  addFiles(files);
}

// ---------------------------------------------------------------- progress and errors

function updateProgress() {
  const total = state.images.length;
  const progress = $("#progress");
  progress.max = Math.max(total, 1);
  progress.value = state.done;
  const parts = [`Hashed ${state.done} of ${total} images`];
  if (state.failed) parts.push(`${state.failed} could not be read`);
  if (state.skipped) parts.push(`${state.skipped} not an image (skipped)`);
  if (state.repeated) parts.push(`${state.repeated} added twice (skipped)`);
  if (state.blank) parts.push(`${state.blank} with no structure (they match nothing)`);
  const elapsed = (performance.now() - state.startedAt) / 1000;
  const batchDone = state.done - (state.startedDone || 0);
  if (state.done < total && batchDone >= 4 && elapsed > 1) {
    const left = ((total - state.done) * elapsed) / batchDone;
    parts.push(left < 90 ? `about ${Math.ceil(left)} s left` : `about ${Math.ceil(left / 60)} min left`);
  }
  if (state.done === total && total > 0) {
    const seconds = (performance.now() - state.startedAt) / 1000;
    state.finishedAt = performance.now();
    if (seconds > 0 && batchDone > 0) parts.push(`${(batchDone / seconds).toFixed(1)} images/s`);
    document.body.dataset.state = "done";
  }
  $("#status").textContent = parts.join(" · ");
  progress.dataset.done = String(state.done);
  progress.dataset.total = String(total);
}

function showError(name, message) {
  const li = document.createElement("li");
  li.textContent = `${name}: ${message}`;
  $("#errors").append(li);
}

/** What the page says of a picture with no structure, as the command line's scan says it. */
const BLANK_NOTE =
  "no structure to compare (one colour, or nearly: blank, black, a fade), so it matches nothing, not even a copy";

function showNote(name, message) {
  const li = document.createElement("li");
  li.textContent = `${name}: ${message}`;
  $("#notes").append(li);
}

// ---------------------------------------------------------------- groups

function threshold() {
  return state.lookalike.minSimilarity(Number($("#sensitivity").value));
}

function thumbnail(image) {
  // The worker's small JPEG; the file itself only when there is none (a failed decode).
  if (!state.urls.has(image.id)) state.urls.set(image.id, URL.createObjectURL(image.thumbnail || image.file));
  const img = document.createElement("img");
  // Lazy before src (src starts the load): thumbnails far below the view are not decoded.
  img.loading = "lazy";
  img.decoding = "async";
  img.alt = image.name;
  img.src = state.urls.get(image.id);
  return img;
}

function render() {
  clearTimeout(state.renderTimer);
  state.renderTimer = 0;
  state.regroup = false;
  const minSimilarity = threshold();
  const t0 = performance.now();
  const found = findGroups(state.lookalike, state.images, state.edges, minSimilarity);
  state.found = found;
  const parts = { groupMs: performance.now() - t0, scoreMs: 0, moved: 0 };
  const container = $("#groups");
  const used = new Set();
  const articles = found.map((members, g) => {
    // A group with the same members as at the last render keeps its article: moving the slider
    // changes few groups, and only what changed is written to the page.
    const key = members.map((m) => m.id).join(",");
    used.add(key);
    let entry = state.articles.get(key);
    if (!entry) {
      const article = document.createElement("article");
      article.className = "group";
      const title = document.createElement("h3");
      const row = document.createElement("div");
      row.className = "members";
      const more = document.createElement("button");
      more.type = "button";
      more.className = "button more";
      more.addEventListener("click", () => {
        state.expanded.add(key);
        render();
      });
      article.append(title, row, more);
      entry = { article, title, row, more };
      state.articles.set(key, entry);
    }
    entry.article.dataset.group = String(g);
    const heading = `Group ${g + 1}: ${members.length} images`;
    if (entry.title.textContent !== heading) entry.title.textContent = heading;
    // The file to keep (core's rule, the command line's) comes first; the others are compared with
    // it, as the compare view would compare them.
    const keeper = members[0];
    const t1 = performance.now();
    const shown = state.expanded.has(key) ? members : members.slice(0, SHOWN_MEMBERS);
    const scores = scoreMembers(state.lookalike, shown, state.edgesById, minSimilarity, state.scores, state.allTurns);
    parts.scoreMs += performance.now() - t1;
    const figures = [member(keeper, keeper, null), ...scores.map((scored) => member(scored.image, keeper, scored))];
    parts.moved += placeChildren(entry.row, figures);
    entry.more.hidden = shown.length === members.length;
    entry.more.textContent = `Show all ${members.length} images`;
    return entry.article;
  });
  // Articles of groups not shown now are kept for a while (the slider often comes back).
  if (state.articles.size > 2 * used.size + 200) {
    for (const key of state.articles.keys()) if (!used.has(key)) state.articles.delete(key);
  }
  parts.moved += placeChildren(container, articles);
  const hashedCount = state.images.filter((i) => i.signature).length;
  const grouped = found.reduce((n, g) => n + g.length, 0);
  $("#summary").textContent =
    `${found.length} ${found.length === 1 ? "group" : "groups"} of look-alike images (${grouped} of ${hashedCount} images) at similarity ≥ ${minSimilarity.toFixed(1)}.`;
  $("#export").disabled = found.length === 0;
  document.body.dataset.groups = String(found.length);
  parts.totalMs = performance.now() - t0;
  parts.drawMs = parts.totalMs - parts.groupMs - parts.scoreMs;
  state.renderParts = parts;
}

/**
 * The figure of one image in a group. Each image's figure is made once and then only updated
 * (its numbers, its role, its decision), so that moving the slider over a thousand photos redraws
 * quickly.
 */
function member(image, keeper, scored) {
  let parts = state.figures.get(image.id);
  if (!parts) parts = makeFigure(image);
  const { figure, detail, choice } = parts;
  const decision = decisionFor(state.decisions, image, keeper, Boolean(scored && scored.joined));
  const via = scored && scored.via ? state.images[scored.via.id] : null;
  // What this figure shows; nothing is written when it is what the figure already shows.
  const shown = scored
    ? `${keeper.id} ${scored.similarity.toFixed(1)} ${via ? `${via.id} ${scored.via.similarity.toFixed(1)}` : ""} ${decision}`
    : `keeper ${decision}`;
  if (parts.shown === shown) return figure;
  parts.shown = shown;
  figure.classList.toggle("reference", !scored);
  for (const key of ["similarity", "joinedVia", "joinedSimilarity"]) delete figure.dataset[key];
  if (scored) {
    figure.dataset.similarity = scored.similarity.toFixed(1);
    detail.textContent = `${image.width}×${image.height} · similarity to the first ${scored.similarity.toFixed(1)}${scored.look && !via ? ` (${scored.look})` : ""} · score ${scored.score.toFixed(2)}`;
    if (via) {
      figure.dataset.joinedVia = via.name;
      figure.dataset.joinedSimilarity = scored.via.similarity.toFixed(1);
      const joined = document.createElement("span");
      joined.className = "via";
      joined.textContent = `joined through ${via.name} (similarity ${scored.via.similarity.toFixed(1)})`;
      detail.append(document.createElement("br"), joined);
    }
  } else {
    detail.textContent = `${image.width}×${image.height} · suggested keeper`;
  }
  choice.value = decision;
  figure.dataset.decision = decision;
  return figure;
}

/**
 * Makes `parent`'s children exactly `nodes`, in order, moving only those out of place; returns
 * how many it moved.
 */
function placeChildren(parent, nodes) {
  const children = parent.children;
  let moved = 0;
  nodes.forEach((node, i) => {
    if (children[i] === node) return;
    parent.insertBefore(node, children[i] || null);
    moved++;
  });
  while (children.length > nodes.length) children[children.length - 1].remove();
  return moved;
}

function makeFigure(image) {
  const figure = document.createElement("figure");
  figure.className = "member";
  figure.dataset.name = image.name;
  figure.dataset.id = String(image.id);
  const button = document.createElement("button");
  button.type = "button";
  button.className = "pick";
  button.title = `Compare ${image.name}`;
  button.append(thumbnail(image));
  button.addEventListener("click", () => setSlot(state.compare.next, image));
  const caption = document.createElement("figcaption");
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = image.name;
  const detail = document.createElement("span");
  detail.className = "detail";
  detail.title = "Score: the method's weighted distance between the two signatures; lower is more alike, and it is negative for close pairs.";
  const choice = document.createElement("select");
  choice.className = "decision";
  choice.setAttribute("aria-label", `Decision for ${image.name}`);
  for (const [value, label] of DECISIONS) choice.append(new Option(label, value));
  const parts = { figure, detail, choice };
  choice.addEventListener("change", () => {
    state.decisions.set(image.id, choice.value);
    figure.dataset.decision = choice.value;
    parts.shown = null;
  });
  caption.append(name, detail, choice);
  figure.append(button, caption);
  state.figures.set(image.id, parts);
  return parts;
}

/** Offers the plan file for download (a Blob link; nothing leaves the machine). */
function exportPlan() {
  const minSimilarity = threshold();
  const joinedOf = (members) =>
    new Set(
      scoreMembers(state.lookalike, members, state.edgesById, minSimilarity, state.scores, state.allTurns)
        .filter((row) => row.joined)
        .map((row) => row.image.id),
    );
  const plan = makePlan(state.found, state.decisions, joinedOf);
  // What `lookalike apply` would refuse, said here instead of a plan that fails as a whole.
  const problem = planProblem(plan);
  const note = $("#plan-problem");
  note.textContent = problem || "";
  note.hidden = !problem;
  if (problem) return;
  const text = `${JSON.stringify(plan, null, 1)}\n`;
  state.lastPlan = new Blob([text], { type: "application/json" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(state.lastPlan);
  link.download = "lookalike-plan.json";
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

/**
 * Regroups after a new pair at or above the threshold (throttled while hashing), and once at the
 * end; an image that matches nothing changes no group, so it redraws nothing.
 */
function scheduleRender() {
  if (state.done === state.images.length) {
    render();
  } else if (state.regroup && !state.renderTimer) {
    const last = state.renderParts ? state.renderParts.totalMs : 0;
    state.renderTimer = setTimeout(render, Math.max(RENDER_INTERVAL_MS, last / RENDER_SHARE));
  }
}

function sensitivityChanged() {
  const value = Number($("#sensitivity").value);
  $("#sensitivity-value").textContent = String(value);
  $("#sensitivity-hint").textContent =
    `pairs need similarity ≥ ${threshold().toFixed(1)} · 100: only resized copies · 0: heavy edits too`;
  render();
  showVerdict();
}

// ---------------------------------------------------------------- compare two images

function setSlot(which, image) {
  state.compare[which] = image;
  state.compare.next = which === "a" ? "b" : "a";
  const slot = $(`#slot-${which}`);
  slot.querySelector(".thumb").replaceChildren(thumbnail(image));
  slot.querySelector(".name").textContent = image.name;
  showVerdict();
  // A click on a thumbnail far down the groups: bring the comparison into view.
  if (state.compare.a && state.compare.b) $("#compare").scrollIntoView({ block: "nearest" });
}

async function compareFile(which, input) {
  const file = input.files[0];
  input.value = "";
  if (!file) return;
  const answer = await state.pool.hash(file);
  // Kept outside state.images: a compared file does not join the groups.
  const image = { id: `compare-${which}-${Date.now()}`, name: file.name, file };
  if (answer.error) {
    image.error = answer.error;
  } else {
    Object.assign(image, {
      signature: answer.signature,
      width: answer.width,
      height: answer.height,
      thumbnail: answer.thumbnail,
    });
  }
  setSlot(which, image);
}

function showVerdict() {
  const { a, b } = state.compare;
  const verdict = $("#verdict");
  verdict.replaceChildren();
  delete verdict.dataset.similarity;
  if (!a || !b) return;
  const bad = [a, b].find((x) => x.error);
  if (bad) {
    verdict.textContent = `${bad.name}: ${bad.error}`;
    return;
  }
  const comparison = state.lookalike.compareSignatures(a.signature, b.signature, state.allTurns);
  const alike = comparison.similarity >= threshold();
  const big = document.createElement("strong");
  big.textContent = `similarity ${comparison.similarity.toFixed(1)} / 100`;
  const line = document.createElement("span");
  const look = comparison.look ? ` · the second is the first ${comparison.look}` : "";
  line.textContent = `${look} · score ${comparison.score.toFixed(2)} · ${alike ? "look alike" : "different"} at sensitivity ${$("#sensitivity").value}`;
  verdict.append(big, line);
  verdict.dataset.similarity = String(comparison.similarity);
  verdict.className = `verdict ${alike ? "alike" : "different"}`;
  comparison.free();
}

function clearCompare() {
  state.compare = { a: null, b: null, next: "a" };
  for (const which of ["a", "b"]) {
    const slot = $(`#slot-${which}`);
    slot.querySelector(".thumb").replaceChildren();
    slot.querySelector(".name").textContent = "none";
  }
  const verdict = $("#verdict");
  verdict.replaceChildren();
  verdict.className = "verdict";
  delete verdict.dataset.similarity;
}

// ---------------------------------------------------------------- reset

function clearAll() {
  for (const url of state.urls.values()) URL.revokeObjectURL(url);
  state.urls.clear();
  state.pool.clear();
  state.generation++;
  state.index.free();
  state.index = new state.lookalike.SignatureIndex();
  state.index.setAllTurns(state.allTurns);
  Object.assign(state, {
    images: [],
    edges: [],
    found: [],
    done: 0,
    failed: 0,
    skipped: 0,
    repeated: 0,
    blank: 0,
    times: { readMs: 0, decodeMs: 0, hashMs: 0, thumbnailMs: 0 },
    stalledReads: 0,
  });
  const maps = [state.byIndexId, state.edgesById, state.seen, state.decisions, state.figures, state.articles, state.scores, state.expanded];
  for (const map of maps) {
    map.clear();
  }
  $("#errors").replaceChildren();
  $("#notes").replaceChildren();
  clearCompare();
  updateProgress();
  render();
  $("#status").textContent = "Ready.";
}

// ---------------------------------------------------------------- test hooks

// Used by tests/tests/browser.rs (through WebDriver) and for measuring speed; harmless otherwise.
installTestHooks(state);

// ---------------------------------------------------------------- start

async function main() {
  try {
    state.lookalike = await loadLookalike();
  } catch (error) {
    $("#status").textContent = `Could not load the WebAssembly module: ${error.message}. Build it with web/build.sh.`;
    document.body.dataset.state = "broken";
    return;
  }
  state.index = new state.lookalike.SignatureIndex();
  // A browser may restore the box as it was before a reload.
  state.allTurns = $("#all-turns").checked;
  state.index.setAllTurns(state.allTurns);
  state.floor = state.lookalike.minSimilarity(0);
  $("#sensitivity").value = String(state.lookalike.defaultSensitivity());
  const workers = Math.max(1, Math.min(4, navigator.hardwareConcurrency || 2));
  state.pool = new WorkerPool(workers, (message) => showError("worker", message));

  $("#files").addEventListener("change", (e) => picked(e.target));
  $("#folder").addEventListener("change", (e) => picked(e.target));
  $("#compare-a").addEventListener("change", (e) => compareFile("a", e.target));
  $("#compare-b").addEventListener("change", (e) => compareFile("b", e.target));
  $("#clear").addEventListener("click", clearAll);
  $("#export").addEventListener("click", exportPlan);
  // The file choosers are labels around hidden inputs: reachable with Tab, opened with Enter or
  // Space, as buttons are.
  for (const label of document.querySelectorAll("label.button")) {
    label.addEventListener("keydown", (e) => {
      if (e.key !== "Enter" && e.key !== " ") return;
      e.preventDefault();
      label.querySelector("input").click();
    });
  }
  $("#sensitivity").addEventListener("input", sensitivityChanged);
  $("#all-turns").addEventListener("change", allTurnsChanged);
  const drop = $("#drop");
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", dropped);
  drop.addEventListener("keydown", (e) => {
    if (e.target === drop && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      $("#files").click();
    }
  });

  sensitivityChanged();
  $("#status").textContent = "Ready: choose or drop images.";
  document.body.dataset.state = "ready";
}

main();
