// Loads lookalike-web (web/src/lib.rs) from the base64 copy that web/build.sh writes, because the
// page's Content-Security-Policy (connect-src 'none') forbids fetch(), even of our own .wasm file.
// Shared by the page (app.js) and the hashing workers (worker.js).
import init, * as lookalike from "./pkg/lookalike_web.js";
import wasmBase64 from "./pkg/lookalike_web_wasm.js";

function decodeBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

let ready = null;
let memory = null;

/** Instantiates the module once; resolves to its exports. */
export function loadLookalike() {
  if (!ready) {
    ready = init({ module_or_path: decodeBase64(wasmBase64) }).then((exports) => {
      memory = exports.memory;
      return lookalike;
    });
  }
  return ready;
}

/** Bytes of this thread's WebAssembly memory (it grows, never shrinks); 0 before loading. */
export function wasmMemoryBytes() {
  return memory ? memory.buffer.byteLength : 0;
}
