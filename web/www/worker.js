// A hashing worker: decodes image files and computes their signatures with lookalike-web, off
// the main thread, and draws a small thumbnail of each. The page runs a few of these side by side,
// each started from a blob: URL so that it runs under the page's Content-Security-Policy (app.js),
// and gives each at most two files at a time (the second waits here, not in the page's queue).
//
// JPEGs are decoded, hashed and shrunk to a thumbnail in one WebAssembly call (lookalike-web's
// hashJpeg): decoded at 1/8, 1/4 or 1/2 scale in the DCT, as the command line does, so a
// 12-megapixel photo becomes 500 × 375 pixels that never leave the module. Other formats, and
// JPEGs that decoder refuses (CMYK, say), go through the browser's own decoders
// (createImageBitmap -> OffscreenCanvas -> ImageData) at full size.
// Files are read through their byte stream into one buffer that is reused: with a new
// ArrayBuffer per file (arrayBuffer()), the dead buffers of a thousand 3 MB photos piled up
// about 100 MB in the workers between garbage collections. That stream was seen to stop
// delivering, for good, on about one file in a thousand (Chromium 156): a read that makes no
// progress for STALL_MS is abandoned and the file read whole with arrayBuffer() instead.
// Messages:
//   in:  { job, file }        a File or Blob to decode and hash
//   out: { started: job }     the job's file is being read and decoded now
//   in:  { faults }           tests only (testhooks.js): { hang, crash, stall } file names to
//        misbehave on
//   out: { job, signature, width, height, thumbnail, decoder, readMs, decodeMs, hashMs, thumbnailMs,
//        readStalled, wasmBytes }  (readStalled: the stream stalled and arrayBuffer() read the
//        file; wasmBytes: the worker's WebAssembly memory)
//        signature: Uint8Array (27 580 bytes: the signature, its cropped probe and its 68 side probes); width × height: the image's own size, as shown;
//        thumbnail: a small JPEG Blob; decoder: "wasm-dct-eighth" (baseline JPEGs at 1/8, with
//        libjpeg's pixels), "wasm-jpeg-decoder" (other JPEGs) or "browser"; for JPEGs decodeMs
//        holds the decoding, hashing and shrinking together and hashMs is 0
//   out: { job, error, fatal }  the file could not be decoded or hashed; fatal: the WebAssembly
//        module trapped, so the page replaces this worker
import { loadLookalike, wasmMemoryBytes } from "./wasm.js";

const lookalike = loadLookalike();
// The longer side of a thumbnail, in pixels (CSS shows them at up to 160 px).
const THUMBNAIL_SIDE = 192;

// A read of the file's stream that delivers nothing for this long is given up.
const STALL_MS = 2000;
// A read buffer larger than this (a huge PNG, say) is not kept for the next file.
const KEPT_BUFFER_BYTES = 64 << 20;

let faults = {};
const jobs = []; // { job, file }, in the order received
let working = false;
let spare = new ArrayBuffer(0); // the read buffer, between files

/**
 * The file's bytes, read into the reused buffer (valid until the next read), and whether the
 * stream stalled: { bytes, stalled }.
 */
async function read(file) {
  let reader = null;
  try {
    // Tests: a byte stream that never delivers, as the file's stream was seen to do.
    const stream = faults.stall === file.name ? new ReadableStream({ type: "bytes" }) : file.stream();
    reader = stream.getReader({ mode: "byob" });
  } catch {
    return { bytes: new Uint8Array(await file.arrayBuffer()), stalled: false }; // no byte streams
  }
  let buffer = spare.byteLength >= file.size ? spare : new ArrayBuffer(file.size);
  spare = new ArrayBuffer(0);
  // A File's size is fixed (a file changed on disk since it was chosen cannot be read at all).
  let filled = 0;
  while (filled < file.size) {
    let timer = 0;
    const stall = new Promise((resolve) => {
      timer = setTimeout(resolve, STALL_MS, null);
    });
    const view = new Uint8Array(buffer, filled, file.size - filled);
    const result = await Promise.race([reader.read(view), stall]);
    clearTimeout(timer);
    if (!result) {
      reader.cancel().catch(() => {});
      return { bytes: new Uint8Array(await file.arrayBuffer()), stalled: true };
    }
    if (result.value) buffer = result.value.buffer; // the same memory, handed back by the read
    if (result.done) break;
    filled += result.value.byteLength;
  }
  reader.cancel().catch(() => {});
  if (buffer.byteLength <= KEPT_BUFFER_BYTES) spare = buffer;
  return { bytes: new Uint8Array(buffer, 0, filled), stalled: false };
}

function isJpeg(bytes) {
  return bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** RGBA pixels from the browser's own decoder, at full size: an ImageData. */
async function browserPixels(file) {
  // imageOrientation "from-image": a photo rotated by its EXIF tag is hashed as it is shown.
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext("2d", { willReadFrequently: true });
    if (!context) throw new Error("no 2D canvas in this browser");
    context.drawImage(bitmap, 0, 0);
    const pixels = context.getImageData(0, 0, bitmap.width, bitmap.height);
    canvas.width = canvas.height = 1; // frees the full-size backing store now
    return pixels;
  } finally {
    bitmap.close();
  }
}

// Reused for every thumbnail: a canvas is freed only when collected, and a pool of workers
// hashing a thousand photos would otherwise hold hundreds of them.
const small = new OffscreenCanvas(1, 1);

/** A small JPEG of `rgba` (width × height, already thumbnail-sized), for the page to show. */
function encodeThumbnail(rgba, width, height) {
  small.width = width;
  small.height = height;
  const data = new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.length);
  small.getContext("2d").putImageData(new ImageData(data, width, height), 0, 0);
  return small.convertToBlob({ type: "image/jpeg", quality: 0.85 });
}

/** Decodes and hashes one file; { answer, thumbnail: Promise<Blob> }. */
async function hashOne(entry, api) {
  const { job, file } = entry;
  // Which file this worker is on, should it never answer.
  self.postMessage({ started: job });
  const started = performance.now();
  const { bytes, stalled } = await read(file);
  const t0 = performance.now();
  const times = { readMs: t0 - started, decodeMs: 0, hashMs: 0, readStalled: stalled };
  if (faults.hang === file.name) for (;;); // tests: a job that never ends
  if (faults.crash === file.name) {
    // Tests: an exception no handler catches (the worker's error event), after which this
    // worker does nothing more, as if it had died.
    setTimeout(() => {
      throw new Error(`injected crash on ${file.name}`);
    });
    await new Promise(() => {});
  }
  // Why the WebAssembly decoder refused a JPEG, said if the browser's decoder fails too.
  let refused = null;
  if (isJpeg(bytes)) {
    let photo = null;
    try {
      photo = api.hashJpeg(bytes, THUMBNAIL_SIDE);
    } catch (error) {
      if (error instanceof WebAssembly.RuntimeError) throw error;
      refused = error && error.message ? error.message : String(error);
      // Image data that ends early is final: the browser's decoder would fill the rest with
      // gray, as libjpeg does, and the command line refuses such a file too.
      if (refused.includes("ends early")) throw new Error(refused);
      // Not for this decoder (CMYK, progressive at 1/8…): the browser's decoder may read it.
    }
    if (photo) {
      try {
        times.decodeMs = performance.now() - t0;
        const signature = photo.signature();
        const answer = { job, signature, width: photo.width, height: photo.height, decoder: `wasm-${photo.decoder}`, ...times };
        return { answer, thumbnail: encodeThumbnail(photo.thumbnail(), photo.thumbnailWidth, photo.thumbnailHeight) };
      } finally {
        photo.free();
      }
    }
  }
  let pixels;
  try {
    pixels = await browserPixels(file);
  } catch (error) {
    throw refused ? new Error(refused) : error;
  }
  const t1 = performance.now();
  times.decodeMs = t1 - t0;
  const signature = api.hashRgba(pixels.width, pixels.height, pixels.data);
  times.hashMs = performance.now() - t1;
  const scale = Math.min(1, THUMBNAIL_SIDE / Math.max(pixels.width, pixels.height));
  const width = Math.max(1, Math.round(pixels.width * scale));
  const height = Math.max(1, Math.round(pixels.height * scale));
  const shrunk = api.shrinkRgba(pixels.width, pixels.height, pixels.data, width, height);
  const answer = { job, signature, width: pixels.width, height: pixels.height, decoder: "browser", ...times };
  return { answer, thumbnail: encodeThumbnail(shrunk, width, height) };
}

function send(answer, thumbnail, thumbnailMs) {
  self.postMessage({ ...answer, thumbnail, thumbnailMs, wasmBytes: wasmMemoryBytes() }, [answer.signature.buffer]);
}

/** Works through the jobs one at a time; the next file is already being read. */
async function work() {
  if (working) return;
  working = true;
  const api = await lookalike;
  while (jobs.length > 0) {
    const entry = jobs.shift();
    try {
      const done = await hashOne(entry, api);
      const t0 = performance.now();
      // Awaited before the next decode (the next file is being read meanwhile).
      let thumbnail = null;
      try {
        thumbnail = await done.thumbnail;
      } catch {
        // No thumbnail; the page shows the name.
      }
      send(done.answer, thumbnail, performance.now() - t0);
    } catch (error) {
      // Not an image the browser can decode, or pixels lookalike-web refused (its JsError).
      const message = error && error.message ? error.message : String(error);
      const fatal = error instanceof WebAssembly.RuntimeError;
      self.postMessage({ job: entry.job, error: message || "cannot decode this file", fatal });
    }
  }
  working = false;
}

self.onmessage = ({ data }) => {
  if (data.faults) {
    faults = data.faults;
    return;
  }
  jobs.push({ job: data.job, file: data.file });
  work();
};
