//! The terminal renderings: the scan's table of groups (each member with its similarity to the
//! keeper, as in the JSON and the page), and the small formatters the other commands' text output
//! shares (sizes, clock times).

use std::io::Write;

use super::Report;
use crate::messages;

pub use crate::messages::human_size;

pub fn write(report: &Report, out: &mut impl Write) -> std::io::Result<()> {
    for group in &report.groups {
        writeln!(
            out,
            "group {} ({} images)",
            group.number,
            group.members.len()
        )?;
        for (i, (m, s)) in group.members.iter().zip(&group.similarity).enumerate() {
            let label = if i == 0 {
                "keep".to_string()
            } else if group.reference.get(i).copied().unwrap_or(false) {
                // A reference file is never proposed for removal (`scan --reference`).
                "ref".to_string()
            } else {
                // The similarity to the keeper, as the JSON and the page give it; a member that
                // joined through another member has none (its best one is said after the path).
                match group.to_keeper.get(i).copied().flatten() {
                    Some(k) => format!("{k:5.1}"),
                    None => "via".to_string(),
                }
            };
            // A member that matched the keeper mirrored, turned or cropped says so.
            let turn = group
                .look_label(i)
                .map_or(String::new(), |t| format!("  ({t})"));
            let via = if i > 0 && group.to_keeper.get(i).copied().flatten().is_none() {
                format!("  (like another member, {s:.1}; not like the keeper)")
            } else {
                String::new()
            };
            writeln!(
                out,
                "  {label:>5}  {:>11}  {:>8}  {}{turn}{via}",
                format!("{}×{}", m.picture.width, m.picture.height),
                human_size(m.stamp.size),
                messages::shown(&m.path)
            )?;
        }
    }
    Ok(())
}

/// `h:mm:ss` (or `m:ss`).
pub fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_times_read_well() {
        assert_eq!(human_size(3_200_000), "3.2 MB");
        assert_eq!(human_size(812_000), "812 kB");
        assert_eq!(human_size(95), "95 B");
        assert_eq!(clock(65.4), "1:05");
        assert_eq!(clock(3725.0), "1:02:05");
        assert_eq!(clock(-3.0), "0:00");
    }
}
