// The lookalike page: collects files, hands them to a pool of hashing workers (worker.js), keeps
// an index of their signatures (lookalike-web's SignatureIndex), and shows groups of look-alike
// images for the chosen sensitivity. Nothing here touches the network (see the CSP in index.html).
import { loadLookalike } from "./wasm.js";

const $ = (selector) => document.querySelector(selector);

// Images whose MIME type the browser does not know are still tried when the name looks like one.
const IMAGE_NAME = /\.(jpe?g|png|gif|webp|avif|bmp|ico|svg|tiff?|heic|heif|jxl)$/i;
// At most this many matches are kept per image (the index returns the best first).
const MATCHES_PER_IMAGE = 50;
// Regrouping while hashing is throttled so that thousands of results don't redraw thousands of times.
const RENDER_INTERVAL_MS = 400;

const state = {
  lookalike: null,
  index: null,
  images: [], // { id, name, file, signature?, width?, height?, error?, indexId? }
  byIndexId: new Map(),
  edges: [], // { a, b, similarity, score }: pairs above the lowest sensitivity's threshold
  floor: 0, // minSimilarity(0)
  queue: [],
  pool: [],
  pending: new Map(), // job -> { image, resolve }
  nextJob: 0,
  done: 0,
  failed: 0,
  skipped: 0,
  startedAt: 0,
  finishedAt: 0,
  hashMs: 0,
  decodeMs: 0,
  renderTimer: 0,
  generation: 0, // bumped by "Clear", so that answers for cleared files are dropped
  urls: new Map(), // image id -> object URL of its thumbnail
  compare: { a: null, b: null, next: "a" },
};

// ---------------------------------------------------------------- workers

function startPool() {
  const size = Math.max(1, Math.min(4, navigator.hardwareConcurrency || 2));
  for (let i = 0; i < size; i++) {
    const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    const slot = { worker, busy: false };
    worker.onmessage = (event) => {
      slot.busy = false;
      finishJob(event.data);
      pump();
    };
    worker.onerror = (event) => {
      // A worker that failed to load at all (e.g. pkg/ missing): report once, keep the page usable.
      event.preventDefault();
      showError("worker", event.message || "the hashing worker could not start");
    };
    state.pool.push(slot);
  }
}

/** Hashes a file in a worker; resolves to the worker's answer. */
function hashFile(file, image = null) {
  return new Promise((resolve) => {
    const job = state.nextJob++;
    state.pending.set(job, { image, resolve });
    state.queue.push({ job, file });
    pump();
  });
}

function pump() {
  for (const slot of state.pool) {
    if (slot.busy || state.queue.length === 0) continue;
    const { job, file } = state.queue.shift();
    slot.busy = true;
    slot.worker.postMessage({ job, file });
  }
}

function finishJob(answer) {
  const pending = state.pending.get(answer.job);
  if (!pending) return;
  state.pending.delete(answer.job);
  pending.resolve(answer);
}

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
    const image = { id: state.images.length, name, file };
    state.images.push(image);
    fresh.push(image);
  }
  if (fresh.length === 0) {
    updateProgress();
    return;
  }
  if (state.done === state.images.length - fresh.length) state.startedAt = performance.now();
  document.body.dataset.state = "hashing";
  updateProgress();
  const generation = state.generation;
  for (const image of fresh) {
    hashFile(image.file, image).then((answer) => {
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
    state.hashMs += answer.hashMs;
    state.decodeMs += answer.decodeMs;
    try {
      for (const hit of state.index.query(image.signature, state.floor, MATCHES_PER_IMAGE)) {
        const other = state.byIndexId.get(hit.id);
        state.edges.push({ a: other.id, b: image.id, similarity: hit.similarity, score: hit.score });
        hit.free();
      }
      image.indexId = state.index.add(image.signature);
      state.byIndexId.set(image.indexId, image);
    } catch (error) {
      image.error = error.message;
      state.failed++;
      showError(image.name, error.message);
    }
  }
  updateProgress();
  scheduleRender();
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
  if (state.done === total && total > 0) {
    const seconds = (performance.now() - state.startedAt) / 1000;
    state.finishedAt = performance.now();
    if (seconds > 0) parts.push(`${(total / seconds).toFixed(1)} images/s`);
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

// ---------------------------------------------------------------- groups

function threshold() {
  return state.lookalike.minSimilarity(Number($("#sensitivity").value));
}

/**
 * The groups of the pairs at or above the threshold, each with its file to keep first: grouped by
 * lookalike-core (wasm `Grouping`), so the page and the command line agree on groups and keepers.
 */
function groups(minSimilarity) {
  const grouping = new state.lookalike.Grouping();
  try {
    // Indices in the grouping are image ids (state.images[id]).
    for (const image of state.images) {
      grouping.addFile(image.width || 0, image.height || 0, image.file.size, image.file.lastModified, image.name);
    }
    for (const { a, b, similarity } of state.edges) {
      if (similarity >= minSimilarity) grouping.link(a, b);
    }
    const flat = grouping.groups();
    const found = [];
    for (let at = 0; at < flat.length; at += 1 + flat[at]) {
      found.push([...flat.subarray(at + 1, at + 1 + flat[at])].map((id) => state.images[id]));
    }
    return found;
  } finally {
    grouping.free();
  }
}

function thumbnail(image) {
  if (!state.urls.has(image.id)) state.urls.set(image.id, URL.createObjectURL(image.file));
  const img = document.createElement("img");
  img.src = state.urls.get(image.id);
  img.alt = image.name;
  img.loading = "lazy";
  img.decoding = "async";
  return img;
}

function render() {
  state.renderTimer = 0;
  const minSimilarity = threshold();
  const found = groups(minSimilarity);
  const container = $("#groups");
  container.replaceChildren();
  found.forEach((members, g) => {
    // The file to keep (core's rule, the command line's) comes first; the others are compared with it.
    const reference = members[0];
    const scored = members
      .slice(1)
      .map((m) => ({ image: m, comparison: state.lookalike.compareSignatures(reference.signature, m.signature) }))
      .sort((x, y) => y.comparison.similarity - x.comparison.similarity || x.image.id - y.image.id);

    const article = document.createElement("article");
    article.className = "group";
    article.dataset.group = String(g);
    const title = document.createElement("h3");
    title.textContent = `Group ${g + 1}: ${members.length} images`;
    article.append(title);
    const row = document.createElement("div");
    row.className = "members";
    row.append(member(reference, null));
    for (const { image, comparison } of scored) {
      row.append(member(image, comparison));
      comparison.free();
    }
    article.append(row);
    container.append(article);
  });
  const hashedCount = state.images.filter((i) => i.signature).length;
  const grouped = found.reduce((n, g) => n + g.length, 0);
  $("#summary").textContent =
    `${found.length} ${found.length === 1 ? "group" : "groups"} of look-alike images (${grouped} of ${hashedCount} images) at similarity ≥ ${minSimilarity.toFixed(1)}.`;
  document.body.dataset.groups = String(found.length);
}

function member(image, comparison) {
  const figure = document.createElement("figure");
  figure.className = "member";
  figure.dataset.name = image.name;
  figure.title = "Click to compare";
  figure.append(thumbnail(image));
  const caption = document.createElement("figcaption");
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = image.name;
  const detail = document.createElement("span");
  detail.className = "detail";
  if (comparison) {
    figure.dataset.similarity = comparison.similarity.toFixed(1);
    detail.textContent = `${image.width}×${image.height} · similarity ${comparison.similarity.toFixed(1)} · score ${comparison.score.toFixed(2)}`;
  } else {
    figure.classList.add("reference");
    detail.textContent = `${image.width}×${image.height} · keep`;
  }
  caption.append(name, detail);
  figure.append(caption);
  figure.addEventListener("click", () => setSlot(state.compare.next, image));
  return figure;
}

function scheduleRender() {
  if (state.done === state.images.length) {
    clearTimeout(state.renderTimer);
    render();
  } else if (!state.renderTimer) {
    state.renderTimer = setTimeout(render, RENDER_INTERVAL_MS);
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
}

async function compareFile(which, input) {
  const file = input.files[0];
  input.value = "";
  if (!file) return;
  const answer = await hashFile(file);
  // Kept outside state.images: a compared file does not join the groups.
  const image = { id: `compare-${which}-${Date.now()}`, name: file.name, file };
  if (answer.error) {
    image.error = answer.error;
  } else {
    Object.assign(image, { signature: answer.signature, width: answer.width, height: answer.height });
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
  const comparison = state.lookalike.compareSignatures(a.signature, b.signature);
  const alike = comparison.similarity >= threshold();
  const big = document.createElement("strong");
  big.textContent = `similarity ${comparison.similarity.toFixed(1)} / 100`;
  const line = document.createElement("span");
  line.textContent = ` · score ${comparison.score.toFixed(2)} · ${alike ? "look alike" : "different"} at sensitivity ${$("#sensitivity").value}`;
  verdict.append(big, line);
  verdict.dataset.similarity = String(comparison.similarity);
  verdict.className = `verdict ${alike ? "alike" : "different"}`;
  comparison.free();
}

// ---------------------------------------------------------------- reset

function clearAll() {
  for (const url of state.urls.values()) URL.revokeObjectURL(url);
  state.urls.clear();
  state.queue.length = 0;
  for (const { resolve } of state.pending.values()) resolve({ error: "cleared" });
  state.pending.clear();
  state.generation++;
  state.index.free();
  state.index = new state.lookalike.SignatureIndex();
  Object.assign(state, { images: [], edges: [], done: 0, failed: 0, skipped: 0, hashMs: 0, decodeMs: 0 });
  state.byIndexId.clear();
  $("#errors").replaceChildren();
  updateProgress();
  render();
  $("#status").textContent = "Ready.";
}

// ---------------------------------------------------------------- test hooks

function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// Anything the Content-Security-Policy blocked (a network request would land here).
const cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  cspViolations.push(`${e.effectiveDirective}: ${e.blockedURI}`);
});

// Used by tests/tests/browser.rs (through WebDriver) and for measuring speed; harmless otherwise.
window.lookalikeTest = {
  /** The signature (hex) of raw RGBA pixels given as base64, hashed by this page's wasm. */
  async hashRgbaHex(width, height, base64) {
    const { hashRgba } = await loadLookalike();
    const binary = atob(base64);
    const rgba = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) rgba[i] = binary.charCodeAt(i);
    return toHex(hashRgba(width, height, rgba));
  },
  /** Hashes `count` synthetic width × height RGBA images in wasm; images per second. */
  async benchHash(width, height, count) {
    const { hashRgba } = await loadLookalike();
    const rgba = new Uint8Array(width * height * 4);
    for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 2654435761) >>> 24;
    hashRgba(width, height, rgba); // warm-up
    const t0 = performance.now();
    for (let n = 0; n < count; n++) {
      rgba[n % rgba.length] ^= 1;
      hashRgba(width, height, rgba);
    }
    return (count * 1000) / (performance.now() - t0);
  },
  /** What the page shows and how long hashing took. */
  summary() {
    return {
      state: document.body.dataset.state,
      images: state.images.length,
      done: state.done,
      failed: state.failed,
      errors: [...document.querySelectorAll("#errors li")].map((li) => li.textContent),
      workers: state.pool.length,
      decodeMs: state.decodeMs,
      hashMs: state.hashMs,
      wallMs: state.finishedAt - state.startedAt,
      cspViolations,
      signatures: Object.fromEntries(
        state.images.filter((i) => i.signature).map((i) => [i.name, toHex(i.signature)]),
      ),
      groups: [...document.querySelectorAll("#groups .group")].map((g) =>
        [...g.querySelectorAll(".member")].map((m) => ({
          name: m.dataset.name,
          similarity: m.dataset.similarity ? Number(m.dataset.similarity) : null,
        })),
      ),
    };
  },
};

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
  state.floor = state.lookalike.minSimilarity(0);
  $("#sensitivity").value = String(state.lookalike.defaultSensitivity());
  startPool();

  $("#files").addEventListener("change", (e) => picked(e.target));
  $("#folder").addEventListener("change", (e) => picked(e.target));
  $("#compare-a").addEventListener("change", (e) => compareFile("a", e.target));
  $("#compare-b").addEventListener("change", (e) => compareFile("b", e.target));
  $("#clear").addEventListener("click", clearAll);
  $("#sensitivity").addEventListener("input", sensitivityChanged);
  const drop = $("#drop");
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", dropped);

  sensitivityChanged();
  $("#status").textContent = "Ready: choose or drop images.";
  document.body.dataset.state = "ready";
}

main();
