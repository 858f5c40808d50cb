// A hashing worker: decodes one image file with the browser's own decoders (createImageBitmap ->
// OffscreenCanvas -> ImageData) and computes its signature with lookalike-web, off the main
// thread. The page runs a few of these side by side (app.js). Messages:
//   in:  { job, file }                      a File or Blob to decode and hash
//   out: { job, signature, width, height, decodeMs, hashMs }   signature: Uint8Array (274 bytes)
//   out: { job, error }                     the file could not be decoded or hashed
import { loadLookalike } from "./wasm.js";

const lookalike = loadLookalike();

async function decode(file) {
  // imageOrientation "from-image": a photo rotated by its EXIF tag is hashed as it is shown.
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  try {
    const { width, height } = bitmap;
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext("2d", { willReadFrequently: true });
    if (!context) throw new Error("no 2D canvas in this browser");
    context.drawImage(bitmap, 0, 0);
    return context.getImageData(0, 0, width, height);
  } finally {
    bitmap.close();
  }
}

self.onmessage = async (event) => {
  const { job, file } = event.data;
  try {
    const { hashRgba } = await lookalike;
    const t0 = performance.now();
    const image = await decode(file);
    const t1 = performance.now();
    const signature = hashRgba(image.width, image.height, image.data);
    const t2 = performance.now();
    self.postMessage(
      { job, signature, width: image.width, height: image.height, decodeMs: t1 - t0, hashMs: t2 - t1 },
      [signature.buffer],
    );
  } catch (error) {
    // Not an image the browser can decode, or pixels lookalike-web refused (its JsError).
    const message = error && error.message ? error.message : String(error);
    self.postMessage({ job, error: message || "cannot decode this file" });
  }
};
