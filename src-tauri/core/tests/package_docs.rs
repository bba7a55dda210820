//! The rule table in docs/package-studio.md must list every rule with its current severity.

use botdeck_core::package::Rule;

#[test]
fn docs_list_every_rule_with_its_severity() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/package-studio.md");
    let doc = std::fs::read_to_string(&path).expect("docs/package-studio.md");
    for r in Rule::ALL {
        let i = r.info();
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", i.code)))
            .unwrap_or_else(|| panic!("{} missing from the rule table", i.code));
        assert!(
            row.contains(&format!("| {} |", i.severity.as_str())),
            "{} severity differs in the docs: {row}",
            i.code
        );
    }
}
