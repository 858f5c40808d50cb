// The pool of hashing workers (worker.js) behind the page (app.js): each worker gets at most two
// files at a time (it reads the second while it decodes the first), and a worker that stops
// answering is replaced without holding up the other files:
// - a job with no answer for `timeoutMs` (a decoder that loops, a worker the browser killed for
//   its memory) is reported as an error naming the file, and the worker is terminated;
// - a worker's `error` event (an exception nothing caught) or a trap of its WebAssembly module
//   (an answer marked `fatal`) fails the job it was working on;
// either way the worker's other job goes back to the front of the queue and a new worker takes
// the slot.

/** Files a worker holds at once: one being decoded, the next being read. */
const IN_FLIGHT = 2;
/** How long a job may go without an answer before its worker is given up, by default. */
export const JOB_TIMEOUT_MS = 60_000;

/**
 * A module worker running `source`, started from a blob: URL. A worker loaded from its own URL
 * gets only the policy its server sends (none, from a plain static server), whereas a blob:
 * worker inherits this page's Content-Security-Policy, connect-src 'none' included.
 */
export function blobWorker(source) {
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const worker = new Worker(url, { type: "module" });
  return worker;
}

export class WorkerPool {
  /**
   * `size` workers running worker.js; `onLoadError(message)` when a worker cannot even start
   * (pkg/ missing, say), reported once.
   */
  constructor(size, onLoadError) {
    this.source = `import ${JSON.stringify(new URL("./worker.js", import.meta.url).href)};`;
    this.onLoadError = onLoadError;
    this.timeoutMs = JOB_TIMEOUT_MS;
    this.faults = null; // tests only: { hang, crash } (testhooks.js)
    this.queue = []; // { job, file, resolve } not yet given to a worker
    this.nextJob = 0;
    this.replaced = 0; // workers replaced after a failure
    this.loadErrorShown = false;
    this.slots = [];
    for (let i = 0; i < size; i++) {
      this.slots.push(this.start({ jobs: [], running: null, wasmBytes: 0, timer: 0 }));
    }
  }

  start(slot) {
    slot.worker = blobWorker(this.source);
    slot.worker.onmessage = ({ data }) => this.answered(slot, data);
    slot.worker.onerror = (event) => {
      event.preventDefault();
      const message = event.message || "the hashing worker failed";
      if (slot.jobs.length === 0) {
        // It failed to load at all (no job was its to fail): report once, keep the page usable.
        if (!this.loadErrorShown) this.onLoadError(message);
        this.loadErrorShown = true;
        return;
      }
      this.giveUp(slot, `the hashing worker stopped (${message})`);
    };
    if (this.faults) slot.worker.postMessage({ faults: this.faults });
    return slot;
  }

  /** Hashes a file in a worker; resolves to the worker's answer, or to `{ error }`. */
  hash(file) {
    return new Promise((resolve) => {
      this.queue.push({ job: this.nextJob++, file, resolve });
      this.pump();
    });
  }

  /** Drops the files not yet hashed; each resolves to `{ error: "cleared" }`. */
  clear() {
    for (const entry of this.queue) entry.resolve({ error: "cleared" });
    this.queue.length = 0;
    for (const slot of this.slots) {
      for (const entry of slot.jobs) {
        entry.resolve({ error: "cleared" });
        entry.resolve = () => {};
        entry.cleared = true; // not given to the next worker if this one is replaced
      }
    }
  }

  /** Sets test faults for every worker, now and after a replacement. */
  setFaults(faults) {
    this.faults = faults;
    for (const slot of this.slots) slot.worker.postMessage({ faults });
  }

  pump() {
    for (const slot of this.slots) {
      const idle = slot.jobs.length === 0;
      while (slot.jobs.length < IN_FLIGHT && this.queue.length > 0) {
        const entry = this.queue.shift();
        slot.jobs.push(entry);
        slot.worker.postMessage({ job: entry.job, file: entry.file });
      }
      // A busy worker's clock runs on from its last message: only a worker that was idle
      // starts a new one here (restarting them all would let one stuck worker go unnoticed
      // for as long as the others keep answering).
      if (idle) this.watch(slot);
    }
  }

  /** (Re)starts the slot's clock: its worker must say something within `timeoutMs`. */
  watch(slot) {
    clearTimeout(slot.timer);
    slot.timer = 0;
    if (slot.jobs.length === 0) return;
    slot.timer = setTimeout(() => {
      const seconds = Math.round(this.timeoutMs / 100) / 10;
      this.giveUp(slot, `no answer from the hashing worker after ${seconds} s; it was stopped`);
    }, this.timeoutMs);
  }

  answered(slot, answer) {
    if (answer.started !== undefined) {
      slot.running = answer.started;
      this.watch(slot);
      return;
    }
    const at = slot.jobs.findIndex((entry) => entry.job === answer.job);
    if (at < 0) return;
    const [entry] = slot.jobs.splice(at, 1);
    slot.wasmBytes = answer.wasmBytes || slot.wasmBytes;
    entry.resolve(answer);
    if (answer.fatal) {
      this.replace(slot);
    } else {
      this.watch(slot);
    }
    this.pump();
  }

  /** The job the slot's worker is on fails with `message`; its worker is replaced. */
  giveUp(slot, message) {
    let at = slot.jobs.findIndex((entry) => entry.job === slot.running);
    if (at < 0) at = 0; // it had not started one: the oldest, which it was reading
    const [entry] = slot.jobs.splice(at, 1);
    if (entry) entry.resolve({ job: entry.job, error: message });
    this.replace(slot);
    this.pump();
  }

  /** Terminates the slot's worker, puts its other jobs back first in line, starts a new one. */
  replace(slot) {
    clearTimeout(slot.timer);
    slot.timer = 0;
    slot.worker.onmessage = slot.worker.onerror = null;
    slot.worker.terminate();
    this.queue.unshift(...slot.jobs.filter((entry) => !entry.cleared));
    slot.jobs = [];
    slot.running = null;
    slot.wasmBytes = 0;
    this.replaced++;
    this.start(slot);
  }

  /** Bytes of WebAssembly memory the workers last reported. */
  wasmBytes() {
    return this.slots.reduce((sum, slot) => sum + slot.wasmBytes, 0);
  }
}
