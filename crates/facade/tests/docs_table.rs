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

/// The text of a file of the repository.
fn read(path: &str) -> String {
    let full = format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The rows of the rate table of `docs/rate-limits.md`: `command → rate`, from rows such as
/// ``| `sns/friend_add`, `friend_delete` | 200 |``.
fn rate_table() -> HashMap<String, String> {
    let mut rates = HashMap::new();
    for line in read("docs/rate-limits.md").lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // ["", names, rate, ""]
        if cells.len() != 4 || cells[2].parse::<u32>().is_err() {
            continue;
        }
        for name in cells[1].split(',') {
            let name = name.trim().trim_matches('`');
            let command = name.rsplit('/').next().unwrap_or(name);
            rates.insert(command.to_owned(), cells[2].to_owned());
        }
    }
    rates
}

/// Each endpoint's command name, e.g. `black_list_check`.
fn command(endpoint: Endpoint) -> &'static str {
    let api = endpoint.api();
    api.rsplit('/').next().unwrap_or(api)
}

#[test]
fn every_endpoint_is_in_the_hand_kept_lists_of_served_commands() {
    let readme = read("README.md");
    let emulator_guide = read("docs/emulator.md");
    // The guide's first paragraph lists the commands.
    let served = emulator_guide.split("\n\n").nth(1).unwrap_or_default();
    let emulator_readme = read("crates/emulator/README.md");
    let rates = rate_table();
    for &endpoint in Endpoint::ALL {
        let name = command(endpoint);
        assert!(
            readme.contains(&format!("| `{}` |", endpoint.path())),
            "README.md's \"Supported commands\" has no row for `{}`",
            endpoint.path()
        );
        let words = |text: &str| {
            text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .any(|w| w == name)
        };
        assert!(
            words(served),
            "docs/emulator.md's first paragraph does not name {name}"
        );
        assert!(
            emulator_readme.contains(&format!("`{name}`")),
            "crates/emulator/README.md does not list `{name}`"
        );
        assert_eq!(
            rates.get(name).map(String::as_str),
            Some(endpoint.default_rate_per_second().to_string().as_str()),
            "docs/rate-limits.md's table and the catalogue disagree on {name}"
        );
    }
}
