//! After the queries: files whose pairs match are joined into groups, and in each group one
//! file is the one to keep. The command line's reports and review folder and the web page both
//! use this module, so the two always agree on the groups and on the keeper.
//!
//! Groups are the connected components of the matching pairs (union–find): when `a` matches `b`
//! and `b` matches `c`, all three are one group even if `a` and `c` are not similar enough on
//! their own. The keep rule ([`keep_order`]) prefers the better original: more pixels (a
//! resized copy has fewer), then the older file (a copy is made after its original), then the
//! larger file, then the shorter file name, so `photo.jpg` is kept over `photo (2).jpg`,
//! `copy_of_photo.jpg` or `photo-edited.jpg`, and last the smaller path in byte order, so the
//! result never depends on the order the files arrived in.
//!
//! Age comes before size because a re-encoded copy of the same size in pixels can be the larger
//! file (a higher quality setting does not restore what the first encoding lost, and a watermark
//! adds detail), but it is not older than its original unless its modification time was copied
//! too; then the sizes decide.
//!
//! That default is one [`KeepRule`] list, [`DEFAULT_KEEP`]; [`keep_order_by`] and [`group_by`]
//! take another (the command line's `--keep resolution,size,oldest`, `newest`, `format`,
//! `path:PREFIX`). Whatever the list, the file-name and path tie-breaks come last.

use alloc::vec;
use alloc::vec::Vec;
use core::cmp::Ordering;

/// The pixels of a `width` × `height` picture inside the borders its signature was computed
/// without ([`content_region`](crate::content_region)), from the signature's
/// [`aspect_ratio`](crate::Signature::aspect_ratio), which is the content's: what
/// [`Candidate::pixels`] should hold, so that a letterboxed or pillarboxed copy, which has more
/// pixels than its original only by its bars, is not the one kept. The content of a picture with
/// bars counts [`BARRED_SHORTFALL`] short: its bars are measured on the pixels the signature was
/// computed from (a JPEG decoded at a reduced scale, an eighth to a half of its size), a row or
/// two either way, so that a copy with bars would otherwise outrank its original half of the
/// time; of two files with the same content, the one without bars is kept. The shape is the
/// content's when bars were cut on one axis (letterbox or pillarbox, the usual case); with bars
/// on all four sides it counts the largest picture of that shape that fits. A meaningless aspect
/// gives all the pixels.
pub fn content_pixels(width: u32, height: u32, aspect: f32) -> u64 {
    let (w, h) = (f64::from(width), f64::from(height));
    let aspect = f64::from(aspect);
    if !(aspect.is_finite() && aspect > 0.0) || width == 0 || height == 0 {
        return u64::from(width) * u64::from(height);
    }
    // The content is as wide as the picture (bars above and below) or as high (bars beside),
    // whichever fits; the ratio is a float of the cut region, so round to whole pixels (`as`
    // truncates these positive values; `f64::round` is not in `core` on every toolchain).
    let round = |x: f64| (x + 0.5) as u64;
    let (cw, ch) = if w / h > aspect {
        (round(h * aspect).min(u64::from(width)), u64::from(height))
    } else {
        (u64::from(width), round(w / aspect).min(u64::from(height)))
    };
    let all = u64::from(width) * u64::from(height);
    if cw * ch * 1000 >= all * 995 {
        // No bars, or less than half a per cent of the picture: rounding, not bars.
        return all;
    }
    cw * ch - cw * ch / BARRED_SHORTFALL
}

/// A picture with bars counts its content short by one part in this many (3 %): more than the
/// measurement can be off by (two rows of a picture decoded 128 rows high, 1.6 %). The price:
/// a copy without bars scaled down by less than 1.5 % a side outranks its barred original.
pub const BARRED_SHORTFALL: u64 = 32;

/// What the keep rule reads about a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate<'a> {
    /// Width × height of the image, without added borders where they are known
    /// ([`content_pixels`]).
    pub pixels: u64,
    /// File size in bytes.
    pub bytes: u64,
    /// Modification time, nanoseconds since the Unix epoch (negative before it).
    pub modified_ns: i64,
    /// The file's path or name, as bytes (`/` or `\` separate folders).
    pub path: &'a [u8],
}

impl Candidate<'_> {
    /// The last component of the path.
    fn file_name(&self) -> &[u8] {
        let start = self
            .path
            .iter()
            .rposition(|&b| b == b'/' || b == b'\\')
            .map_or(0, |i| i + 1);
        &self.path[start..]
    }
}

/// One criterion of a keep rule (`--keep resolution,oldest,size` on the command line). A rule
/// is a list of them, tried in order; ties left after the last one go to the shorter file name,
/// then to the smaller path in byte order, so the result never depends on arrival order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeepRule {
    /// More pixels first (a resized copy has fewer).
    Resolution,
    /// The larger file first.
    Size,
    /// The older modification time first.
    Oldest,
    /// The newer modification time first.
    Newest,
    /// A lossless format (by the file name's extension: PNG, TIFF, BMP) before a lossy one (a
    /// re-encode is usually lossy).
    Format,
    /// Files whose path starts with these bytes first (`path:PREFIX`).
    PathPrefix(Vec<u8>),
}

/// The default rule: more pixels, then older, then larger (see the module docs).
pub const DEFAULT_KEEP: [KeepRule; 3] = [KeepRule::Resolution, KeepRule::Oldest, KeepRule::Size];

impl KeepRule {
    /// Parses one criterion: `resolution`, `size`, `oldest`, `newest`, `format` or
    /// `path:PREFIX`; `None` for anything else.
    pub fn parse(text: &str) -> Option<KeepRule> {
        Some(match text {
            "resolution" => KeepRule::Resolution,
            "size" => KeepRule::Size,
            "oldest" => KeepRule::Oldest,
            "newest" => KeepRule::Newest,
            "format" => KeepRule::Format,
            _ => KeepRule::PathPrefix(text.strip_prefix("path:")?.as_bytes().to_vec()),
        })
    }

    fn compare(&self, a: &Candidate<'_>, b: &Candidate<'_>) -> Ordering {
        match self {
            KeepRule::Resolution => b.pixels.cmp(&a.pixels),
            KeepRule::Size => b.bytes.cmp(&a.bytes),
            KeepRule::Oldest => a.modified_ns.cmp(&b.modified_ns),
            KeepRule::Newest => b.modified_ns.cmp(&a.modified_ns),
            KeepRule::Format => b.lossless().cmp(&a.lossless()),
            KeepRule::PathPrefix(p) => b.path.starts_with(p).cmp(&a.path.starts_with(p)),
        }
    }
}

impl Candidate<'_> {
    /// Whether the file name's extension names a lossless format.
    fn lossless(&self) -> bool {
        let name = self.file_name();
        let ext = name.rsplit(|&b| b == b'.').next().unwrap_or(&[]);
        ["png", "tif", "tiff", "bmp"]
            .iter()
            .any(|x| ext.eq_ignore_ascii_case(x.as_bytes()) && ext.len() + 1 < name.len())
    }
}

/// `Less` when `a` is the better file to keep than `b` (see the module docs); `Equal` only for
/// equal paths.
pub fn keep_order(a: &Candidate<'_>, b: &Candidate<'_>) -> Ordering {
    keep_order_by(&DEFAULT_KEEP, a, b)
}

/// As [`keep_order`], with the criteria of `rules` in place of the default ones.
pub fn keep_order_by(rules: &[KeepRule], a: &Candidate<'_>, b: &Candidate<'_>) -> Ordering {
    rules
        .iter()
        .fold(Ordering::Equal, |o, r| o.then_with(|| r.compare(a, b)))
        .then(a.file_name().len().cmp(&b.file_name().len()))
        .then(a.path.cmp(b.path))
}

/// The groups of `files` that `links` (pairs of indices into `files`) join. Only files in at
/// least one link are grouped, so every group has two or more members. Each group lists its
/// members best first by [`keep_order`] (the keeper is `group[0]`), and the groups are ordered
/// by their keepers' paths. Links naming an index outside `files` are ignored.
pub fn group(files: &[Candidate<'_>], links: &[(u32, u32)]) -> Vec<Vec<u32>> {
    group_by(&DEFAULT_KEEP, files, links)
}

/// As [`group`], each group ordered by [`keep_order_by`] with `rules`.
pub fn group_by(
    rules: &[KeepRule],
    files: &[Candidate<'_>],
    links: &[(u32, u32)],
) -> Vec<Vec<u32>> {
    let n = files.len();
    let mut parent: Vec<usize> = (0..n).collect();
    let mut linked = vec![false; n];
    for &(a, b) in links {
        let (a, b) = (a as usize, b as usize);
        if a >= n || b >= n {
            continue;
        }
        linked[a] = true;
        linked[b] = true;
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    // Members by root, in index order (roots are the smallest index of their component).
    let mut slot_of_root = vec![usize::MAX; n];
    let mut groups: Vec<Vec<u32>> = Vec::new();
    for x in (0..n).filter(|&x| linked[x]) {
        let r = root(&mut parent, x);
        if slot_of_root[r] == usize::MAX {
            slot_of_root[r] = groups.len();
            groups.push(Vec::new());
        }
        groups[slot_of_root[r]].push(x as u32);
    }
    let order = |a: &u32, b: &u32| keep_order_by(rules, &files[*a as usize], &files[*b as usize]);
    for members in &mut groups {
        members.sort_by(order);
    }
    groups.sort_by(|g, h| files[g[0] as usize].path.cmp(files[h[0] as usize].path));
    groups
}

fn root(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, pixels: u64, bytes: u64, modified_ns: i64) -> Candidate<'_> {
        Candidate {
            pixels,
            bytes,
            modified_ns,
            path: path.as_bytes(),
        }
    }

    #[test]
    fn keeper_has_more_pixels_then_is_older_then_has_more_bytes() {
        let big = file("/z/big.jpg", 200, 10, 5);
        let small = file("/a/small.jpg", 100, 99, 1);
        assert_eq!(keep_order(&big, &small), Ordering::Less);
        // Same pixels: the older file, even when a (re-encoded) copy is larger.
        let reencoded = file("/a/photo-q95.jpg", 100, 500, 9);
        assert_eq!(keep_order(&small, &reencoded), Ordering::Less);
        // Same pixels and time (a copy that kept its time): the larger file.
        let heavy = file("/z/heavy.jpg", 100, 100, 1);
        assert_eq!(keep_order(&heavy, &small), Ordering::Less);
        assert_eq!(keep_order(&small, &heavy), Ordering::Greater);
    }

    #[test]
    fn ties_go_to_the_shorter_name_whatever_it_sorts_like() {
        // Identical facts: `copy_…` sorts before `photo`, but the shorter name is kept.
        let original = file("/p/photo.jpg", 100, 50, 7);
        for copy in ["/p/copy_photo.jpg", "/p/photo (2).jpg", "/a/photo-1.jpg"] {
            let copy = file(copy, 100, 50, 7);
            assert_eq!(keep_order(&original, &copy), Ordering::Less, "{copy:?}");
            assert_eq!(keep_order(&copy, &original), Ordering::Greater);
        }
        // Equal names in two folders: the smaller path, in either argument order.
        let (a, b) = (file("/a/x.jpg", 1, 1, 1), file("/b/x.jpg", 1, 1, 1));
        assert_eq!(keep_order(&a, &b), Ordering::Less);
        assert_eq!(keep_order(&b, &a), Ordering::Greater);
        // Windows separators count as folders too.
        let win = file("C:\\long folder\\x.jpg", 1, 1, 1);
        assert_eq!(keep_order(&win, &file("/y.jpeg", 1, 1, 1)), Ordering::Less);
    }

    #[test]
    fn content_pixels_leave_out_the_bars() {
        // A 1 600 × 900 picture pillarboxed to 2 000 × 900 and letterboxed to 1 600 × 1 200.
        let aspect = 1600.0 / 900.0;
        let short = 1600 * 900 - 1600 * 900 / BARRED_SHORTFALL;
        assert_eq!(content_pixels(2000, 900, aspect), short);
        assert_eq!(content_pixels(1600, 1200, aspect), short);
        // Bars measured a row too deep or too shallow still count short: a letterboxed copy
        // is not kept over its original for a row.
        assert!(content_pixels(1600, 1200, 1600.0 / 904.0) < 1600 * 900);
        assert!(content_pixels(1600, 1200, 1600.0 / 896.0) < 1600 * 900);
        // No bars: all of it; a meaningless aspect: all of it.
        assert_eq!(content_pixels(1600, 900, 1600.0 / 901.0), 1600 * 900);
        assert_eq!(content_pixels(1600, 900, aspect), 1600 * 900);
        assert_eq!(content_pixels(1600, 900, f32::NAN), 1600 * 900);
        assert_eq!(content_pixels(0, 900, aspect), 0);
        // So the original is kept over its pillarboxed copy, which has more pixels in all.
        let original = Candidate {
            pixels: content_pixels(1600, 900, aspect),
            bytes: 1,
            modified_ns: 2,
            path: b"/p/original.jpg",
        };
        let boxed = Candidate {
            pixels: content_pixels(2000, 900, aspect),
            bytes: 1,
            modified_ns: 1,
            path: b"/p/boxed.jpg",
        };
        assert_eq!(
            keep_order(&original, &boxed),
            Ordering::Less,
            "the same content without bars is kept, even over an older copy with them"
        );
        let boxed_later = Candidate {
            modified_ns: 3,
            ..boxed
        };
        assert_eq!(keep_order(&original, &boxed_later), Ordering::Less);
        // A larger copy with bars is still kept over a smaller one without.
        let halved = Candidate {
            pixels: content_pixels(800, 450, aspect),
            ..original
        };
        assert_eq!(keep_order(&halved, &boxed), Ordering::Greater);
    }

    #[test]
    fn keep_rules_apply_in_order() {
        let big_new_jpeg = file("/a/x.jpg", 200, 10, 9);
        let small_old_png = file("/b/x.png", 100, 50, 1);
        let rules = |text: &str| -> Vec<KeepRule> {
            text.split(',')
                .map(|t| KeepRule::parse(t).unwrap())
                .collect()
        };
        let order = |r: &str| keep_order_by(&rules(r), &big_new_jpeg, &small_old_png);
        assert_eq!(order("resolution,oldest"), Ordering::Less);
        assert_eq!(order("oldest,resolution"), Ordering::Greater);
        assert_eq!(order("newest"), Ordering::Less);
        assert_eq!(order("size"), Ordering::Greater);
        assert_eq!(order("format,resolution"), Ordering::Greater);
        assert_eq!(order("path:/b/,resolution"), Ordering::Greater);
        assert_eq!(order("path:/a/"), Ordering::Less);
        assert_eq!(KeepRule::parse("largest"), None);
        // A name that is only an extension is not a PNG.
        assert!(!file("/p/.png", 1, 1, 1).lossless());
        assert_eq!(
            keep_order_by(&DEFAULT_KEEP, &big_new_jpeg, &small_old_png),
            keep_order(&big_new_jpeg, &small_old_png)
        );
    }

    #[test]
    fn pairs_sharing_a_file_form_one_group_in_a_stable_order() {
        let files = [
            file("/c", 100, 1, 0),
            file("/b", 200, 1, 0),
            file("/a", 300, 1, 0),
            file("/d", 100, 1, 0),
            file("/e", 200, 1, 0),
            file("/alone", 900, 1, 0),
        ];
        let links = [(0, 1), (1, 2), (3, 4), (3, 99)];
        let groups = group(&files, &links);
        assert_eq!(groups, vec![vec![2, 1, 0], vec![4, 3]]);
        // The order of the links and of the pairs' sides does not matter.
        let reversed = [(4, 3), (2, 1), (1, 0)];
        assert_eq!(group(&files, &reversed), groups);
        assert!(group(&files, &[]).is_empty());
    }
}
