//! The command table of `docs/commands.md` lists every endpoint of the catalogue with its item
//! cap and default rate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;

use tencent_im::Endpoint;

/// `path → (cap, rate)` from the table's rows (`| name | \`path\` | types | cap | rate |`).
fn table() -> HashMap<String, (String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/commands.md");
    let text = std::fs::read_to_string(path).expect("docs/commands.md is readable");
    text.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            // ["", name, path, types, cap, rate, ""]
            if cells.len() != 7 {
                return None;
            }
            let path = cells[2].strip_prefix("`v4/")?.strip_suffix('`')?;
            Some((path.to_owned(), (cells[4].to_owned(), cells[5].to_owned())))
        })
        .collect()
}

#[test]
fn every_endpoint_is_in_the_table_with_its_cap_and_rate() {
    let table = table();
    for &endpoint in Endpoint::ALL {
        let Some((cap, rate)) = table.get(endpoint.api()) else {
            panic!("docs/commands.md has no row for `{}`", endpoint.path());
        };
        let want_cap = endpoint
            .max_items()
            .map_or_else(|| "none".to_owned(), |n| n.to_string());
        // The cap is the cell's first word ("none (paginated)" reads "none").
        assert_eq!(
            cap.split_whitespace().next(),
            Some(want_cap.as_str()),
            "{endpoint}: the table says cap {cap}, the catalogue {want_cap}"
        );
        assert_eq!(
            rate,
            &format!("{}/s", endpoint.default_rate_per_second()),
            "{endpoint}"
        );
    }
    for path in table.keys() {
        assert!(
            Endpoint::from_api(path).is_some(),
            "docs/commands.md lists `v4/{path}`, which the catalogue does not have"
        );
    }
}
