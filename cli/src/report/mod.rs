//! What the commands found, and its renderings: a table on the terminal ([`table`]), JSON lines
//! ([`json`]) and HTML pages ([`html`] for images, [`video_html`] for videos); the video
//! matches' own types are in [`video`].
//!
//! Image matches are pairs of files whose similarity reaches the sensitivity's threshold. Pairs
//! that share a file are joined into groups, and in each group the file to keep is chosen (more
//! pixels, then older, then larger, then the shorter name, or the `--keep` rules), by
//! lookalike-core's [`group_by`] and [`keep_order_by`] (the web page uses the same rule).

pub mod escape;
pub mod html;
pub mod json;
pub mod table;
pub mod video;
pub mod video_html;

use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::PathBuf;

use lookalike_core::{
    Candidate, Framing, KeepRule, Orientation, content_pixels, group_by, keep_order_by,
};

use crate::store::{ImageFile, path_key};

/// What the keep rule reads about `file`; `key` holds its path's bytes, `aspect` the aspect
/// ratio of its content inside borders when known (its signature's), so that added bars do not
/// count as pixels ([`content_pixels`]).
fn candidate<'a>(file: &ImageFile, key: &'a [u8], aspect: Option<f32>) -> Candidate<'a> {
    Candidate {
        pixels: match aspect {
            Some(a) => content_pixels(file.picture.width, file.picture.height, a),
            None => file.pixels(),
        },
        bytes: file.stamp.size,
        modified_ns: file.stamp.mtime_ns,
        path: key,
    }
}

/// `Less` when `a` is the better file to keep.
#[cfg(test)]
fn better(a: &ImageFile, b: &ImageFile) -> Ordering {
    let (ka, kb) = (path_key(&a.path), path_key(&b.path));
    keep_order_by(
        &lookalike_core::DEFAULT_KEEP,
        &candidate(a, &ka, None),
        &candidate(b, &kb, None),
    )
}

/// One similar pair: `keep` is the better file.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub group: usize,
    pub similarity: f32,
    pub score: f32,
    pub keep: ImageFile,
    pub remove: ImageFile,
    /// How `remove` looks next to `keep`: turned, cropped ([`Look::SAME`]: as it is).
    pub look: Look,
}

/// Files linked by matches; `members[0]` is the one to keep.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub number: usize,
    pub members: Vec<ImageFile>,
    /// Per member, the best similarity it has with another member (the first: with anyone).
    pub similarity: Vec<f32>,
    /// Per member, its similarity to the keeper (`members[0]`) when that pair matched; `None`
    /// for the keeper itself and for a member joined to the group through others only.
    pub to_keeper: Vec<Option<f32>>,
    /// Per member, how it looks next to the keeper when that pair matched turned or through a
    /// cropped probe: the keeper mirrored or turned this way ([`Orientation::label`]), and
    /// cropped or wider ([`Framing::label`]); [`Look::SAME`] otherwise.
    pub look_to_keeper: Vec<Look>,
    /// Per member, whether it lies in a reference folder (`scan --reference`): never proposed
    /// for removal. Reference members come first, so the keeper is one when there is any.
    pub reference: Vec<bool>,
}

impl Group {
    /// How member `i` looks next to the keeper, in the reports' words ("mirrored", "rotated
    /// 90°", "cropped", "mirrored, cropped"…); `None` as it is, or unknown.
    pub fn look_label(&self, i: usize) -> Option<String> {
        self.look_to_keeper.get(i).copied().and_then(Look::label)
    }

    /// How member `i` looks next to the keeper ([`Look::SAME`] for the keeper, or unknown).
    pub fn look(&self, i: usize) -> Look {
        self.look_to_keeper.get(i).copied().unwrap_or(Look::SAME)
    }

    /// How sure the group is: its weakest member's similarity to the keeper (or, joined through
    /// others, its best similarity). Reports list the surest groups first.
    pub fn sureness(&self) -> f32 {
        self.to_keeper
            .iter()
            .zip(&self.similarity)
            .skip(1)
            .map(|(k, s)| k.unwrap_or(*s))
            .fold(f32::INFINITY, f32::min)
    }
}

/// Everything a scan reports.
#[derive(Debug, Default)]
pub struct Report {
    pub groups: Vec<Group>,
    pub matches: Vec<Match>,
}

/// A raw pair from the index: two files, their similarity and score.
pub struct Pair {
    pub a: ImageFile,
    pub b: ImageFile,
    pub similarity: f32,
    pub score: f32,
    /// How `b` looks next to `a` (the index hit's orientation and framing, `a` the query).
    pub look: Look,
}

/// How one picture of a pair looks next to the other: mirrored or turned, and framed (one the
/// middle of the other, a match through a cropped probe).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    pub turn: Orientation,
    pub framing: Framing,
}

impl Look {
    /// As it is: upright, whole.
    pub const SAME: Look = Look {
        turn: Orientation::Upright,
        framing: Framing::Whole,
    };

    /// The first next to the second, given the second next to the first (a centred crop and a
    /// turn of the square commute, so each is inverted alone).
    pub fn inverse(self) -> Look {
        Look {
            turn: self.turn.inverse(),
            framing: self.framing.inverse(),
        }
    }

    /// The reports' words: "mirrored", "cropped", "rotated 90°, wider"…; `None` as it is.
    pub fn label(self) -> Option<String> {
        lookalike_core::look_label(self.turn, self.framing)
    }
}

/// How the other id of a pair looks next to `from`, given how `b` looks next to `a`.
fn relative(look: Look, a: u32, from: u32) -> Look {
    if a == from { look } else { look.inverse() }
}

/// `compare(keeper, member)`: the similarity of a member to its keeper, and how the member looks
/// next to it, where the pair reaches the threshold and counts ([`Report::build_with`]).
pub type CompareWithKeeper<'a> =
    dyn Fn(&std::path::Path, &std::path::Path) -> Option<(f32, Look)> + 'a;

impl Report {
    /// [`Report::build_with`] without content aspect ratios (tests).
    #[cfg(test)]
    pub fn build(pairs: Vec<Pair>, keep: &[KeepRule]) -> Report {
        Report::build_with(pairs, keep, &|_| None, &|_, _| None)
    }

    /// Groups `pairs`, each group ordered by the keep rule `keep` (core's [`DEFAULT_KEEP`] unless
    /// `--keep` says otherwise), and orders everything deterministically: groups by their
    /// keepers' paths, matches within a group by similarity (highest first), then by path.
    /// `aspect` gives a file's content aspect ratio (its signature's), so that the keep rule
    /// counts the pixels inside added borders only: a pillarboxed copy is not kept over its
    /// original for its bars. `compare(keeper, member)` gives, for a member whose pair with its
    /// keeper is not among `pairs` (a scan of new files reports new pairs only), their similarity
    /// and how the member looks next to the keeper, where it reaches the threshold and the
    /// pair counts (not said to be no duplicate): otherwise the member joined the group through
    /// others only.
    ///
    /// [`DEFAULT_KEEP`]: lookalike_core::DEFAULT_KEEP
    pub fn build_with(
        pairs: Vec<Pair>,
        keep: &[KeepRule],
        aspect: &dyn Fn(&std::path::Path) -> Option<f32>,
        compare: &CompareWithKeeper<'_>,
    ) -> Report {
        let mut ids: HashMap<PathBuf, u32> = HashMap::new();
        let mut files: Vec<ImageFile> = Vec::new();
        let mut id_of = |f: &ImageFile, files: &mut Vec<ImageFile>| {
            *ids.entry(f.path.clone()).or_insert_with(|| {
                files.push(f.clone());
                (files.len() - 1) as u32
            })
        };
        let mut links = Vec::with_capacity(pairs.len());
        for pair in &pairs {
            let a = id_of(&pair.a, &mut files);
            let b = id_of(&pair.b, &mut files);
            links.push((a, b));
        }
        let mut best_similarity = vec![0f32; files.len()];
        // Per pair of ids (smaller first): the best similarity, and how the larger id looks
        // next to the smaller one.
        let mut pair_similarity: HashMap<(u32, u32), (f32, Look)> = HashMap::new();
        for (pair, &(a, b)) in pairs.iter().zip(&links) {
            for m in [a, b] {
                best_similarity[m as usize] = best_similarity[m as usize].max(pair.similarity);
            }
            let s = pair_similarity
                .entry((a.min(b), a.max(b)))
                .or_insert((0.0, Look::SAME));
            if pair.similarity > s.0 {
                *s = (pair.similarity, relative(pair.look, a, a.min(b)));
            }
        }
        let keys: Vec<Vec<u8>> = files.iter().map(|f| path_key(&f.path)).collect();
        let candidates: Vec<Candidate<'_>> = files
            .iter()
            .zip(&keys)
            .map(|(f, k)| candidate(f, k, aspect(&f.path)))
            .collect();
        let mut group_of = vec![0usize; files.len()];
        let mut report = Report::default();
        for (n, members) in group_by(keep, &candidates, &links).into_iter().enumerate() {
            for &m in &members {
                group_of[m as usize] = n + 1;
            }
            let keeper = members[0];
            // Per member, its similarity to the keeper and how it looks next to it: the pair's
            // when it was reported (stored as the larger id next to the smaller), else compared
            // now; `None` for the keeper and for a member like others only.
            let (to_keeper, look_to_keeper): (Vec<Option<f32>>, Vec<Look>) = members
                .iter()
                .map(
                    |&m| match pair_similarity.get(&(m.min(keeper), m.max(keeper))) {
                        Some(&(s, o)) => (Some(s), relative(o, m.min(keeper), keeper)),
                        None if m == keeper => (None, Look::SAME),
                        None => compare(&files[keeper as usize].path, &files[m as usize].path)
                            .map_or((None, Look::SAME), |(s, o)| (Some(s), o)),
                    },
                )
                .unzip();
            report.groups.push(Group {
                number: n + 1,
                reference: vec![false; members.len()],
                to_keeper,
                look_to_keeper,
                similarity: members
                    .iter()
                    .map(|&m| best_similarity[m as usize])
                    .collect(),
                members: members
                    .into_iter()
                    .map(|m| files[m as usize].clone())
                    .collect(),
            });
        }
        for (pair, &(a, b)) in pairs.into_iter().zip(&links) {
            let a_first = keep_order_by(keep, &candidates[a as usize], &candidates[b as usize]);
            let (keep, remove, look) = if a_first == Ordering::Greater {
                (pair.b, pair.a, pair.look.inverse())
            } else {
                (pair.a, pair.b, pair.look)
            };
            report.matches.push(Match {
                group: group_of[a as usize],
                similarity: pair.similarity,
                score: pair.score,
                keep,
                remove,
                look,
            });
        }
        report.matches.sort_by(|x, y| {
            x.group
                .cmp(&y.group)
                .then(y.similarity.total_cmp(&x.similarity))
                .then(x.keep.path.cmp(&y.keep.path))
                .then(x.remove.path.cmp(&y.remove.path))
        });
        report
    }
}

impl Report {
    /// Numbers the groups from `last + 1` on (a review folder's next numbers).
    pub fn number_after(&mut self, last: usize) {
        for group in &mut self.groups {
            group.number += last;
        }
        for m in &mut self.matches {
            m.group += last;
        }
    }

    /// Marks the members `is_reference` says are in a reference folder and moves them to the
    /// front of their groups (stably, so the keep rule still orders each side), so that the
    /// keeper is a reference file whenever a group has one; a pair's reference side becomes its
    /// `keep` side. A member whose pair with a new keeper was not reported is compared with it
    /// by `compare`, as in [`Report::build_with`].
    pub fn put_reference_first(
        &mut self,
        is_reference: impl Fn(&std::path::Path) -> bool,
        compare: &CompareWithKeeper<'_>,
    ) {
        for group in &mut self.groups {
            let old_keeper = group.members.first().map(|m| m.path.clone());
            let mut order: Vec<usize> = (0..group.members.len()).collect();
            order.sort_by_key(|&i| !is_reference(&group.members[i].path));
            group.similarity = order.iter().map(|&i| group.similarity[i]).collect();
            group.to_keeper = order.iter().map(|&i| group.to_keeper[i]).collect();
            group.look_to_keeper = order.iter().map(|&i| group.look_to_keeper[i]).collect();
            group.members = order.iter().map(|&i| group.members[i].clone()).collect();
            group.reference = group
                .members
                .iter()
                .map(|m| is_reference(&m.path))
                .collect();
            if group.members.first().map(|m| &m.path) != old_keeper.as_ref() {
                // Similarities to the old keeper no longer mean "to the keeper".
                let new = group.members[0].path.clone();
                // Per member, its best match with the new keeper, as (similarity, look of the
                // member next to the keeper).
                let with_keeper: Vec<Option<(f32, Look)>> = group
                    .members
                    .iter()
                    .map(|m| {
                        self.matches
                            .iter()
                            .filter_map(|x| {
                                if x.keep.path == new && x.remove.path == m.path {
                                    Some((x.similarity, x.look))
                                } else if x.remove.path == new && x.keep.path == m.path {
                                    Some((x.similarity, x.look.inverse()))
                                } else {
                                    None
                                }
                            })
                            .reduce(|a, b| if b.0 > a.0 { b } else { a })
                            .or_else(|| (m.path != new).then(|| compare(&new, &m.path)).flatten())
                    })
                    .collect();
                group.to_keeper = with_keeper.iter().map(|w| w.map(|w| w.0)).collect();
                group.look_to_keeper = with_keeper
                    .iter()
                    .map(|w| w.map_or(Look::SAME, |w| w.1))
                    .collect();
            }
        }
        for m in &mut self.matches {
            if is_reference(&m.remove.path) && !is_reference(&m.keep.path) {
                std::mem::swap(&mut m.keep, &mut m.remove);
                m.look = m.look.inverse();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Format, Picture, Stamp};

    fn file(path: &str, width: u32, size: u64, mtime_ns: i64) -> ImageFile {
        ImageFile {
            path: PathBuf::from(path),
            stamp: Stamp { size, mtime_ns },
            picture: Picture {
                width,
                height: 100,
                format: Format::Jpeg,
            },
        }
    }

    #[test]
    fn the_keep_rule_is_cores() {
        // Pixels first; on equal facts the shorter file name, though `copy_…` sorts first.
        assert_eq!(
            better(&file("/z", 200, 10, 5), &file("/a", 100, 99, 1)),
            Ordering::Less
        );
        let (copy, original) = (file("/p/copy_x.jpg", 9, 9, 1), file("/p/x.jpg", 9, 9, 1));
        assert_eq!(better(&original, &copy), Ordering::Less);
    }

    #[test]
    fn turns_and_crops_are_told_from_the_keeper_whichever_side_of_the_pair_it_was() {
        let (original, copy) = (file("/o", 400, 1, 0), file("/c", 200, 1, 0));
        let look = |turn, framing| Look { turn, framing };
        // The copy was the query: turned 90° clockwise it matches the original's middle (the
        // original is wider), so the copy is the original turned 270° and cropped.
        let mut report = Report::build(
            vec![Pair {
                a: copy.clone(),
                b: original.clone(),
                similarity: 90.0,
                score: -9.0,
                look: look(Orientation::Rotated90, Framing::Wider),
            }],
            &lookalike_core::DEFAULT_KEEP,
        );
        let group = &report.groups[0];
        assert_eq!(group.members[0].path, original.path);
        let copy_next_to_original = look(Orientation::Rotated270, Framing::Cropped);
        assert_eq!(group.look_to_keeper, [Look::SAME, copy_next_to_original]);
        assert_eq!(
            group.look_label(1).as_deref(),
            Some("rotated 270°, cropped")
        );
        assert_eq!(group.look_label(0), None);
        assert_eq!(report.matches[0].look, copy_next_to_original);
        // With the copy in a reference folder it is kept, and the original is the copy turned
        // 90°, wider.
        report.put_reference_first(|p| p == copy.path, &|_, _| None);
        let group = &report.groups[0];
        assert_eq!(group.members[0].path, copy.path);
        let original_next_to_copy = look(Orientation::Rotated90, Framing::Wider);
        assert_eq!(group.look_to_keeper, [Look::SAME, original_next_to_copy]);
        assert_eq!(report.matches[0].keep.path, copy.path);
        assert_eq!(report.matches[0].look, original_next_to_copy);
        let line = json::one(&report.matches[0]);
        assert_eq!(line["turn"], "rotated 90°");
        assert_eq!(line["crop"], "wider");
    }

    #[test]
    fn the_table_gives_the_similarity_to_the_keeper_as_the_json_does() {
        // Keeper k (most pixels); a matched k at 60 and c at 95; c matched only a.
        let (k, a, c) = (
            file("/k", 400, 1, 0),
            file("/a", 300, 1, 0),
            file("/c", 200, 1, 0),
        );
        let pair = |x: &ImageFile, y: &ImageFile, similarity: f32| Pair {
            a: x.clone(),
            b: y.clone(),
            similarity,
            score: -1.0,
            look: Look::SAME,
        };
        let report = Report::build(
            vec![pair(&k, &a, 60.0), pair(&a, &c, 95.0)],
            &lookalike_core::DEFAULT_KEEP,
        );
        let mut out = Vec::new();
        table::write(&report, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let line = |path: &str| {
            text.lines()
                .find(|l| l.ends_with(path) || l.contains(&format!("{path}  (")))
                .unwrap_or_else(|| panic!("{path} in {text}"))
                .to_string()
        };
        assert!(line("/k").trim_start().starts_with("keep"), "{text}");
        // a's best similarity is 95 (with c); next to the keeper it is 60.
        assert!(line("/a").trim_start().starts_with("60.0"), "{text}");
        assert!(
            line("/c").trim_start().starts_with("via")
                && line("/c").contains("(like another member, 95.0; not like the keeper)"),
            "{text}"
        );
    }

    #[test]
    fn reference_files_moved_forward_keep_their_own_figures() {
        let (r1, x, r2) = (
            file("/r1", 400, 1, 0),
            file("/x", 300, 1, 0),
            file("/r2", 200, 1, 0),
        );
        let pair = |a: &ImageFile, b: &ImageFile, s, orientation| Pair {
            a: a.clone(),
            b: b.clone(),
            similarity: s,
            score: -s,
            look: Look {
                turn: orientation,
                framing: Framing::Whole,
            },
        };
        // r2 joins only through x; x is r1 mirrored.
        let mut report = Report::build(
            vec![
                pair(&r1, &x, 90.0, Orientation::Mirrored),
                pair(&x, &r2, 80.0, Orientation::Upright),
            ],
            &lookalike_core::DEFAULT_KEEP,
        );
        assert_eq!(report.groups[0].to_keeper, [None, Some(90.0), None]);
        report.put_reference_first(|p| p == r1.path || p == r2.path, &|_, _| None);
        let group = &report.groups[0];
        let paths: Vec<_> = group.members.iter().map(|m| m.path.clone()).collect();
        assert_eq!(paths, [r1.path.clone(), r2.path.clone(), x.path.clone()]);
        assert_eq!(group.to_keeper, [None, None, Some(90.0)]);
        let turns: Vec<Orientation> = group.look_to_keeper.iter().map(|l| l.turn).collect();
        assert_eq!(
            turns,
            [
                Orientation::Upright,
                Orientation::Upright,
                Orientation::Mirrored
            ]
        );
    }

    #[test]
    fn pairs_sharing_a_file_form_one_group() {
        let (a, b, c, d, e) = (
            file("/a", 300, 1, 0),
            file("/b", 200, 1, 0),
            file("/c", 100, 1, 0),
            file("/d", 100, 1, 0),
            file("/e", 200, 1, 0),
        );
        let pair = |x: &ImageFile, y: &ImageFile, s| Pair {
            a: x.clone(),
            b: y.clone(),
            similarity: s,
            score: -s,
            look: Look::SAME,
        };
        let report = Report::build(
            vec![pair(&c, &b, 90.0), pair(&b, &a, 80.0), pair(&d, &e, 70.0)],
            &lookalike_core::DEFAULT_KEEP,
        );
        assert_eq!(report.groups.len(), 2);
        let paths: Vec<_> = report.groups[0]
            .members
            .iter()
            .map(|m| m.path.clone())
            .collect();
        assert_eq!(
            paths,
            [
                PathBuf::from("/a"),
                PathBuf::from("/b"),
                PathBuf::from("/c")
            ]
        );
        assert_eq!(report.groups[0].similarity, [80.0, 90.0, 90.0]);
        assert_eq!(report.groups[0].to_keeper, [None, Some(80.0), None]);
        assert_eq!(report.groups[0].sureness(), 80.0);
        assert_eq!(report.groups[1].members[0].path, PathBuf::from("/e"));
        assert_eq!(report.matches[0].keep.path, PathBuf::from("/b"));
        assert_eq!(report.matches[0].remove.path, PathBuf::from("/c"));
        assert_eq!(report.matches[1].keep.path, PathBuf::from("/a"));
        assert_eq!(report.matches[2].group, 2);
    }
}
