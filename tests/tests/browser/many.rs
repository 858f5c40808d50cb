//! A group of many look-alike photos: the page shows its first 12 members and a "Show all"
//! button, which shows every member (so that moving the slider over a thousand photos moves a few
//! hundred figures, not a thousand, and holds that many thumbnails); the plan file has every member either way.

use serde_json::Value;

#[test]
fn page_shows_12_members_of_a_large_group_until_asked_for_all() {
    let Some((browser, _server)) = super::open_page() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let photo = lookalike_tests::photos_dir().join("Dragonfly_by_Bolly.jpg");
    let files: Vec<_> = (0..52)
        .map(|i| {
            let path = dir.path().join(format!("copy-{i:02}.jpg"));
            std::fs::copy(&photo, &path).unwrap();
            path
        })
        .collect();
    browser.send_files(&browser.element("#files"), &files);
    let summary = browser.wait_for_hashing(files.len());
    let shown = |summary: &Value| summary["groups"][0].as_array().map_or(0, Vec::len);
    assert_eq!(
        summary["groups"].as_array().unwrap().len(),
        1,
        "{summary:#}"
    );
    assert_eq!(shown(&summary), 12);
    let button: String = browser.run(
        "const b = document.querySelector('#groups .group .more');
         return b.hidden ? '' : b.textContent",
        [],
    );
    assert_eq!(button, "Show all 52 images");
    let plan: String = browser.run_async("lookalikeTest.exportedPlan()", []);
    let plan: Value = serde_json::from_str(&plan).unwrap();
    assert_eq!(plan["groups"][0]["members"].as_array().unwrap().len(), 52);

    let summary: Value = browser.run(
        "document.querySelector('#groups .group .more').click(); return lookalikeTest.summary()",
        [],
    );
    assert_eq!(shown(&summary), 52);
    let hidden: bool = browser.run(
        "return document.querySelector('#groups .group .more').hidden",
        [],
    );
    assert!(hidden);
}
