// Declarations shared by every kernel in this folder; prepended to each kernel by
// gpu/src/shaders.rs. Keep in sync with gpu/src/params.rs (`Params`, `ImageInfo`, the constants)
// and with the bind group layout in gpu/src/pipeline.rs (see shaders/README.md).

// The side of the square every image is scaled to (lookalike_core::SIZE).
const N: u32 = 128u;
// Values per plane (lookalike_core::AREA).
const AREA: u32 = 16384u;
// Planes per image in `planes`: Y (equalized), I, Q, and Y as it was before equalization.
const PLANES_PER_IMAGE: u32 = 4u;
// Threads per workgroup of the one-dimensional kernels (yiq).
const WORKGROUP_SIZE: u32 = 64u;
// The downscale kernel runs TILE × TILE output pixels per workgroup.
const TILE: u32 = 16u;
// The Haar kernels decompose LINES lines of N values per workgroup, HALF = N / 2 threads each.
const LINES: u32 = 4u;
const HALF: u32 = 64u;

// Per batch (chunk) of images. Keep in sync with gpu/src/params.rs::Params.
struct Params {
    // Images in this chunk.
    image_count: u32,
    // Always 0. XOR-ing a product's bits with it hides the product from the shader compiler, so
    // that it cannot fuse a multiply and an add into one FMA (which rounds once instead of
    // twice and would no longer match the CPU bit for bit). See yiq.wgsl.
    zero: u32,
    _pad0: u32,
    _pad1: u32,
    // The RGB → YIQ matrix, one row per output channel (Y, I, Q), w unused. Taken from
    // lookalike_core::rgb_to_yiq so the constants are the CPU's f32 values exactly.
    yiq: array<vec4<f32>, 3>,
    // core::f32::consts::FRAC_1_SQRT_2, as the CPU rounds it.
    frac_1_sqrt_2: f32,
    // 1 / 128: the Haar prescale, applied once before the row pass (exact: a power of two).
    prescale: f32,
    _pad2: u32,
    _pad3: u32,
    // Per equalization bin b, at [b / 4][b % 4]: the vignette's fitting logarithm (low 16 bits)
    // and the level's own logarithm (high 16 bits), lookalike_core::VIGNETTE_LOG and
    // VIGNETTE_LEVEL_LOG (signature format 17; equalize.wgsl).
    logs: array<vec4<u32>, 256>,
    // Per column or row x, at [x / 4][x % 4]: lookalike_core::VIGNETTE_GAINS.
    gains: array<vec4<u32>, 32>,
}

// One image of the chunk. Keep in sync with gpu/src/params.rs::ImageInfo.
struct ImageInfo {
    width: u32,
    height: u32,
    // Bytes per pixel: 3 (RGB8) or 4 (RGBA8, composited on white).
    bpp: u32,
    // Where the image's bytes start in `pixels`, in 4-byte words.
    pixel_offset: u32,
    // Where the column (x) span table starts in `spans`: 129 bin starts, then packed spans.
    x_spans: u32,
    // Where the row (y) span table starts in `spans`.
    y_spans: u32,
    // width × height × 255, the denominator of the area average, as a 64-bit (lo, hi) pair.
    den_lo: u32,
    den_hi: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> images: array<ImageInfo>;
// Per axis: N + 1 absolute indices (bin b's spans are spans[start[b]..start[b + 1]]), then the
// spans of lookalike_core::spans(len), each packed as (source pixel << 8) | weight.
@group(0) @binding(2) var<storage, read> spans: array<u32>;
// The chunk's pixel bytes, four to a word, little-endian; every image starts on a word.
@group(0) @binding(3) var<storage, read> pixels: array<u32>;
// PLANES_PER_IMAGE planes of N × N f32 per image, image after image, channel-major then
// row-major: the layout of lookalike_core::Planes, then Y as it was before equalization.
@group(0) @binding(4) var<storage, read_write> planes: array<f32>;

// The index of a workgroup in a two-dimensional dispatch grid (used when a chunk needs more
// than 65 535 workgroups along x).
fn group_index(wg: vec3<u32>, groups: vec3<u32>) -> u32 {
    return wg.y * groups.x + wg.x;
}
