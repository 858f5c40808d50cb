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
//   out: { job, signature, width, height, thumbnail, decoder, decodeMs, hashMs }
//        signature: Uint8Array (274 bytes); width × height: the image's own size, as shown;
//        thumbnail: a small JPEG Blob; decoder: "wasm-dct-eighth" (baseline JPEGs at 1/8, with
//        libjpeg's pixels), "wasm-jpeg-decoder" (other JPEGs) or "browser"
//   out: { job, error }       the file could not be decoded or hashed
import { loadLookalike } from "./wasm.js";

const lookalike = loadLookalike();
// The longer side of a thumbnail, in pixels (CSS shows them at up to 160 px).
const THUMBNAIL_SIDE = 192;

function isJpeg(bytes) {
  return bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** RGBA pixels to hash, and the image's own size: { width, height, pixels: ImageData }. */
async function decode(file, api) {
  const bytes = new Uint8Array(await file.arrayBuffer());
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
const scratch = new OffscreenCanvas(1, 1);
const small = new OffscreenCanvas(1, 1);

/** A small JPEG of the pixels, for the page to show instead of the (large) file itself. */
async function thumbnail(pixels) {
  const scale = Math.min(1, THUMBNAIL_SIDE / Math.max(pixels.width, pixels.height));
  scratch.width = pixels.width;
  scratch.height = pixels.height;
  scratch.getContext("2d").putImageData(pixels, 0, 0);
  small.width = Math.max(1, Math.round(pixels.width * scale));
  small.height = Math.max(1, Math.round(pixels.height * scale));
  const context = small.getContext("2d");
  context.imageSmoothingQuality = "high";
  context.drawImage(scratch, 0, 0, small.width, small.height);
  scratch.width = scratch.height = 1;
  return small.convertToBlob({ type: "image/jpeg", quality: 0.85 });
}

self.onmessage = async (event) => {
  const { job, file } = event.data;
  try {
    const api = await lookalike;
    const t0 = performance.now();
    const { width, height, pixels, decoder } = await decode(file, api);
    const t1 = performance.now();
    const signature = api.hashRgba(pixels.width, pixels.height, pixels.data);
    const t2 = performance.now();
    const preview = await thumbnail(pixels);
    self.postMessage(
      {
        job,
        signature,
        width,
        height,
        thumbnail: preview,
        decoder,
        decodeMs: t1 - t0,
        hashMs: t2 - t1,
        thumbnailMs: performance.now() - t2,
      },
      [signature.buffer],
    );
  } catch (error) {
    // Not an image the browser can decode, or pixels lookalike-web refused (its JsError).
    const message = error && error.message ? error.message : String(error);
    self.postMessage({ job, error: message || "cannot decode this file" });
  }
};
