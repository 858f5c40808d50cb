// Hooks for tests/tests/browser.rs (called through WebDriver) and for measuring speed: what the
// page shows, the plan it would download, a worker that tries to reach the network, and timings.
// Harmless to a visitor: nothing here runs unless called.
import { loadLookalike } from "./wasm.js";
import { blobWorker } from "./pool.js";

function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// Anything the Content-Security-Policy blocked, in the page or its workers.
const cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  cspViolations.push(`${e.effectiveDirective}: ${e.blockedURI}`);
});

// What a worker tries, given another server's origin: fetch, import() and a WebSocket.
const PROBE = `
const report = (what, outcome) => postMessage({ what, outcome });
self.addEventListener("securitypolicyviolation", (e) => report("violation", e.effectiveDirective));
self.onmessage = async ({ data: origin }) => {
  try { await fetch(origin + "/fetch"); report("fetch", "allowed"); } catch { report("fetch", "failed"); }
  try { await import(origin + "/import.js"); report("import", "allowed"); } catch { report("import", "failed"); }
  try {
    const socket = new WebSocket(origin.replace("http", "ws") + "/socket");
    socket.onopen = () => report("websocket", "allowed");
    socket.onerror = () => report("websocket", "failed");
  } catch { report("websocket", "failed"); }
};`;

export function installTestHooks(state) {
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
    /**
     * Starts a worker the way the page starts its hashing workers (blobWorker) and lets it try
     * to reach `origin`; resolves after `waitMs` to what it reported.
     */
    probeWorker(origin, waitMs) {
      const worker = blobWorker(PROBE);
      const outcomes = {};
      worker.onmessage = ({ data }) => {
        outcomes[data.what] = outcomes[data.what] ? `${outcomes[data.what]}, ${data.outcome}` : data.outcome;
      };
      worker.postMessage(origin);
      return new Promise((resolve) =>
        setTimeout(() => {
          worker.terminate();
          resolve(outcomes);
        }, waitMs),
      );
    },
    /**
     * Decodes the files added so far on this thread, three ways, and returns the mean
     * milliseconds per image of each: the browser's createImageBitmap at full size, the same
     * with resizeWidth/resizeHeight at 1/8 (pixels read back either way), and lookalike-web's
     * decodeJpeg (the inverse DCT at 1/8).
     */
    async compareDecoders() {
      const api = await loadLookalike();
      const files = state.images.map((i) => i.file);
      const pixels = async (file, options) => {
        const bitmap = await createImageBitmap(file, options);
        const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
        const context = canvas.getContext("2d", { willReadFrequently: true });
        context.drawImage(bitmap, 0, 0);
        bitmap.close();
        return context.getImageData(0, 0, canvas.width, canvas.height);
      };
      const ways = {
        browserFull: (file) => pixels(file, { imageOrientation: "from-image" }),
        browserResized: async (file, image) =>
          pixels(file, {
            imageOrientation: "from-image",
            resizeWidth: Math.ceil(image.width / 8),
            resizeHeight: Math.ceil(image.height / 8),
            resizeQuality: "medium",
          }),
        wasmDctScaled: async (file) => api.decodeJpeg(new Uint8Array(await file.arrayBuffer())).free(),
      };
      const result = {};
      for (const [name, decode] of Object.entries(ways)) {
        const t0 = performance.now();
        for (const [i, file] of files.entries()) await decode(file, state.images[i]);
        result[name] = (performance.now() - t0) / files.length;
      }
      return result;
    },
    /**
     * Makes the hashing workers misbehave on the files named: `hang` loops forever, `crash`
     * throws outside any handler (the worker's error event), `stall` reads from a stream that
     * never delivers; and sets how long a job may go without an answer.
     */
    workerFaults(faults, timeoutMs) {
      state.pool.timeoutMs = timeoutMs;
      state.pool.setFaults(faults);
    },
    /** Clicks "Download plan" and reads back the JSON text of the Blob it offered. */
    async exportedPlan() {
      document.querySelector("#export").click();
      return state.lastPlan ? state.lastPlan.text() : null;
    },
    /**
     * Milliseconds from a sensitivity change to the groups drawn (synchronous work), and how
     * long the render's parts took: { ms, groupMs, scoreMs, drawMs }.
     */
    slider(value) {
      const slider = document.querySelector("#sensitivity");
      const t0 = performance.now();
      slider.value = String(value);
      slider.dispatchEvent(new Event("input"));
      return { ms: performance.now() - t0, ...state.renderParts };
    },
    /** How far hashing is: cheap enough to ask every few hundred milliseconds. */
    progress() {
      return {
        state: document.body.dataset.state,
        done: state.done,
        jsHeapBytes: performance.memory ? performance.memory.usedJSHeapSize : null,
      };
    },
    /** What the page shows and how long hashing took. */
    summary() {
      const decoders = {};
      for (const image of state.images) {
        if (image.decoder) decoders[image.decoder] = (decoders[image.decoder] || 0) + 1;
      }
      return {
        state: document.body.dataset.state,
        status: document.querySelector("#status").textContent,
        images: state.images.length,
        edges: state.edges.length,
        done: state.done,
        failed: state.failed,
        errors: [...document.querySelectorAll("#errors li")].map((li) => li.textContent),
        notes: [...document.querySelectorAll("#notes li")].map((li) => li.textContent),
        workers: state.pool.slots.length,
        replacedWorkers: state.pool.replaced,
        stalledReads: state.stalledReads,
        decoders,
        readMs: state.times.readMs,
        decodeMs: state.times.decodeMs,
        hashMs: state.times.hashMs,
        thumbnailMs: state.times.thumbnailMs,
        wallMs: state.finishedAt - state.startedAt,
        jsHeapBytes: performance.memory ? performance.memory.usedJSHeapSize : null,
        workerWasmBytes: state.pool.wasmBytes(),
        cspViolations,
        files: state.images.map((i) => ({
          name: i.name,
          width: i.width,
          height: i.height,
          decoder: i.decoder,
          thumbnailBytes: i.thumbnail ? i.thumbnail.size : null,
          thumbnailType: i.thumbnail ? i.thumbnail.type : null,
        })),
        signatures: Object.fromEntries(
          state.images.filter((i) => i.signature).map((i) => [i.name, toHex(i.signature)]),
        ),
        groups: [...document.querySelectorAll("#groups .group")].map((g) =>
          [...g.querySelectorAll(".member")].map((m) => ({
            name: m.dataset.name,
            similarity: m.dataset.similarity ? Number(m.dataset.similarity) : null,
            joinedVia: m.dataset.joinedVia || null,
            joinedSimilarity: m.dataset.joinedSimilarity ? Number(m.dataset.joinedSimilarity) : null,
            decision: m.dataset.decision,
          })),
        ),
      };
    },
  };
}
