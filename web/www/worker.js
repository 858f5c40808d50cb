// A hashing worker: decodes one image file and computes its signature with lookalike-web, off
// the main thread, and draws a small thumbnail of it. The page runs a few of these side by side,
// each started from a blob: URL so that it runs under the page's Content-Security-Policy (app.js).
//
// JPEGs are decoded in WebAssembly at 1/8, 1/4 or 1/2 scale in the DCT, as the command line does
// (lookalike-web's decodeJpeg): a 12-megapixel photo becomes 500 × 375 pixels without computing
// the other 11.8 million. Other formats, and JPEGs that decoder refuses (CMYK, say), go through the
// browser's own decoders (createImageBitmap -> OffscreenCanvas -> ImageData) at full size.
// Messages:
//   in:  { job, file }        a File or Blob to decode and hash
//   out: { job, signature, width, height, thumbnail, decoder, readMs, decodeMs, hashMs, thumbnailMs,
//        wasmBytes }  (wasmBytes: the worker's WebAssembly memory)
//        signature: Uint8Array (274 bytes); width × height: the image's own size, as shown;
//        thumbnail: a small JPEG Blob; decoder: "wasm-dct-eighth" (baseline JPEGs at 1/8, with
//        libjpeg's pixels), "wasm-jpeg-decoder" (other JPEGs) or "browser"
//   out: { job, error }       the file could not be decoded or hashed
import { loadLookalike, wasmMemoryBytes } from "./wasm.js";

const lookalike = loadLookalike();
// The longer side of a thumbnail, in pixels (CSS shows them at up to 160 px).
const THUMBNAIL_SIDE = 192;

function isJpeg(bytes) {
  return bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** RGBA pixels to hash, and the image's own size: { width, height, pixels: ImageData }. */
async function decode(file, api, times) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  times.read = performance.now();
  if (isJpeg(bytes)) {
    let scaled = null;
    try {
      scaled = api.decodeJpeg(bytes);
    } catch {
      // Not for this decoder (CMYK, damaged): the browser's decoder may still read it.
    }
    if (scaled) {
      try {
        const data = new Uint8ClampedArray(scaled.rgba().buffer);
        const pixels = new ImageData(data, scaled.scaledWidth, scaled.scaledHeight);
        const decoder = `wasm-${scaled.decoder}`;
        return { width: scaled.width, height: scaled.height, pixels, decoder };
      } finally {
        scaled.free();
      }
    }
  }
  // imageOrientation "from-image": a photo rotated by its EXIF tag is hashed as it is shown.
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  try {
    const { width, height } = bitmap;
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext("2d", { willReadFrequently: true });
    if (!context) throw new Error("no 2D canvas in this browser");
    context.drawImage(bitmap, 0, 0);
    const pixels = context.getImageData(0, 0, width, height);
    canvas.width = canvas.height = 1; // frees the full-size backing store now
    return { width, height, pixels, decoder: "browser" };
  } finally {
    bitmap.close();
  }
}

// Reused for every thumbnail: a canvas is freed only when collected, and a pool of workers
// hashing a thousand photos would otherwise hold hundreds of them.
const small = new OffscreenCanvas(1, 1);

/**
 * A small JPEG of the pixels, for the page to show instead of the (large) file itself: shrunk in
 * WebAssembly by area averaging, so that only the thumbnail's pixels pass through a canvas.
 */
async function thumbnail(pixels, api) {
  const scale = Math.min(1, THUMBNAIL_SIDE / Math.max(pixels.width, pixels.height));
  small.width = Math.max(1, Math.round(pixels.width * scale));
  small.height = Math.max(1, Math.round(pixels.height * scale));
  const shrunk = api.shrinkRgba(pixels.width, pixels.height, pixels.data, small.width, small.height);
  const data = new ImageData(new Uint8ClampedArray(shrunk.buffer), small.width, small.height);
  small.getContext("2d").putImageData(data, 0, 0);
  return small.convertToBlob({ type: "image/jpeg", quality: 0.85 });
}

self.onmessage = async (event) => {
  const { job, file } = event.data;
  try {
    const api = await lookalike;
    const times = { start: performance.now() };
    const { width, height, pixels, decoder } = await decode(file, api, times);
    times.decoded = performance.now();
    const signature = api.hashRgba(pixels.width, pixels.height, pixels.data);
    times.hashed = performance.now();
    const preview = await thumbnail(pixels, api);
    self.postMessage(
      {
        job,
        signature,
        width,
        height,
        thumbnail: preview,
        decoder,
        readMs: times.read - times.start,
        decodeMs: times.decoded - times.read,
        hashMs: times.hashed - times.decoded,
        thumbnailMs: performance.now() - times.hashed,
        wasmBytes: wasmMemoryBytes(),
      },
      [signature.buffer],
    );
  } catch (error) {
    // Not an image the browser can decode, or pixels lookalike-web refused (its JsError).
    const message = error && error.message ? error.message : String(error);
    self.postMessage({ job, error: message || "cannot decode this file" });
  }
};
