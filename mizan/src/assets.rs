//! The stylesheet link of the page head, with the hashed file name found once.

use std::sync::OnceLock;

use leptos::config::LeptosOptions;
use leptos::prelude::*;

/// `<link rel="stylesheet">` to the site's CSS: `/pkg/<name>.<hash>.css` when the build
/// hashes file names (the name is read from `hash.txt` once, not on every page as
/// `leptos_meta::HashedStylesheet` does), `/pkg/<name>.css` otherwise.
#[component]
pub fn Stylesheet(
    /// The site's options (output name, package directory, hashing).
    options: LeptosOptions,
) -> impl IntoView {
    static HREF: OnceLock<String> = OnceLock::new();
    let href = HREF.get_or_init(|| {
        let hash = options
            .hash_files
            .then(|| css_hash(&options.hash_file))
            .flatten();
        match hash {
            Some(hash) => format!(
                "/{}/{}.{hash}.css",
                options.site_pkg_dir, options.output_name
            ),
            None => format!("/{}/{}.css", options.site_pkg_dir, options.output_name),
        }
    });
    view! { <link id="leptos" rel="stylesheet" href=href.as_str()/> }
}

/// The `css:` line of the hash file beside the binary.
fn css_hash(hash_file: &str) -> Option<String> {
    let path = std::env::current_exe().ok()?.parent()?.join(hash_file);
    let hashes = std::fs::read_to_string(path).ok()?;
    hashes.lines().find_map(|line| {
        line.trim()
            .strip_prefix("css:")
            .map(|hash| hash.trim().to_owned())
    })
}
