//! The page's "all eight turns" box (as `scan --all-turns`): a copy flipped upside down is not
//! grouped with its original by default, is once the box is ticked, labelled as the command
//! line labels it, and leaves the group again when the box is cleared (with the pairs it had
//! before); the compare view follows the box too, and the box holds after "Clear".

use serde_json::{Value, json};

#[test]
fn page_groups_a_flipped_copy_only_with_all_eight_turns() {
    let Some((browser, _server)) = super::open_page() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let source = lookalike_tests::photos_dir().join(format!("{}.jpg", super::ORIGINAL));
    let original = dir.path().join("original.jpg");
    std::fs::copy(&source, &original).unwrap();
    let flipped = dir.path().join("flipped.png");
    image::open(&source)
        .unwrap()
        .flipv()
        .save(&flipped)
        .unwrap();
    let files = vec![original, flipped];
    browser.send_files(&browser.element("#files"), &files);
    let summary = browser.wait_for_hashing(files.len());
    assert!(super::groups(&summary).is_empty(), "{summary:#}");
    let edges = summary["edges"].clone();

    let tick = |on: bool| -> Value {
        browser.run(
            "const box = document.querySelector('#all-turns');
             box.checked = arguments[0];
             box.dispatchEvent(new Event('change'));
             return lookalikeTest.summary()",
            [json!(on)],
        )
    };
    let summary = tick(true);
    let mut shown = super::groups(&summary);
    assert_eq!(shown.len(), 1, "{summary:#}");
    shown[0].sort_unstable();
    assert_eq!(shown[0], ["flipped.png", "original.jpg"], "{summary:#}");
    let detail: String = browser.run(
        "return [...document.querySelectorAll('#groups .member')]
             .map((m) => m.textContent).join(' | ')",
        [],
    );
    assert!(detail.contains("(flipped upside down)"), "{detail}");
    // The compare view, given the two, agrees with the group and says how they look.
    let verdict: Value = browser.run(
        "const pick = (n) => [...document.querySelectorAll('#groups .member')]
             .find((m) => m.dataset.name === n).querySelector('.pick').click();
         pick('original.jpg'); pick('flipped.png');
         const v = document.querySelector('#verdict');
         return { similarity: Number(v.dataset.similarity), text: v.textContent }",
        [],
    );
    let threshold = f64::from(lookalike_core::Sensitivity::DEFAULT.min_similarity());
    assert!(
        verdict["similarity"].as_f64().unwrap() >= threshold,
        "{verdict}"
    );
    assert!(
        verdict["text"]
            .as_str()
            .unwrap()
            .contains("flipped upside down"),
        "{verdict}"
    );

    let summary = tick(false);
    assert!(super::groups(&summary).is_empty(), "{summary:#}");
    assert_eq!(
        summary["edges"], edges,
        "the same pairs as before the box was ticked"
    );
    let verdict: f64 = browser.run(
        "return Number(document.querySelector('#verdict').dataset.similarity)",
        [],
    );
    assert!(
        verdict < threshold,
        "cleared, the compare view tries five turns: {verdict}"
    );

    // Ticked, the box holds for files added after "Clear".
    let _ = tick(true);
    let _: Value = browser.run("document.querySelector('#clear').click(); return null", []);
    browser.send_files(&browser.element("#files"), &files);
    let summary = browser.wait_for_hashing(files.len());
    assert_eq!(super::groups(&summary).len(), 1, "{summary:#}");
}
