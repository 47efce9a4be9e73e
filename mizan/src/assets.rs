//! The page head's links to the built assets (stylesheet, JavaScript, WebAssembly), with
//! their file names worked out once per process instead of on every render.
//!
//! Leptos' own `HydrationScripts` and `HashedStylesheet` read `hash.txt` (and look up the
//! executable's path) on every page they render, and `AutoReload` reads an environment
//! variable each time; a profile of the home page put those file-system calls on every
//! request. These components render the same tags from names found at the first render.
//! `hydrate` (feature `hydrate`) is the bundle's entry point in the browser.

use leptos::config::LeptosOptions;
use leptos::prelude::*;

/// `<link rel="stylesheet">` to the site's CSS: `/pkg/<name>.<hash>.css` when the build
/// hashes file names, `/pkg/<name>.css` otherwise.
#[component]
pub fn Stylesheet(
    /// The site's options (output name, package directory, hashing).
    options: LeptosOptions,
) -> impl IntoView {
    let built = Built::of(&options);
    view! { <link id="leptos" rel="stylesheet" href=built.css.as_str()/> }
}

/// Starts hydration: a module script that imports the bundle's JavaScript (preloaded) and
/// calls its `hydrate` export once the WebAssembly is instantiated.
///
/// The WebAssembly is not preloaded: a `<link rel="preload">` fetched it at high priority
/// beside the stylesheet, competing with what the first paint needs (Lighthouse's slow-4G
/// simulation put the first paint after the whole download: 1.95 s instead of about 1 s).
/// The module script runs once the document is parsed and fetches it then.
///
/// With a split bundle (`--split`) the page's own part is fetched when hydration reaches
/// its route. Leptos' `HydrationScripts` instead hands the router the split manifest,
/// which then writes a `<link rel="preload">` per shared chunk into every page (37 on `/`,
/// 5 KB of HTML): measured at 25–55 µs of server CPU per render, a third of the page's
/// cost.
#[component]
pub fn HydrationScripts(
    /// The site's options (output name, package directory, hashing).
    options: LeptosOptions,
) -> impl IntoView {
    let built = Built::of(&options);
    let nonce = leptos::nonce::use_nonce();
    view! {
        <link rel="modulepreload" href=built.js.as_str() crossorigin=""/>
        <script type="module" nonce=nonce>{built.script.as_str()}</script>
    }
}

/// The script that reloads the page when `cargo leptos watch` rebuilds it: only while
/// watching (`LEPTOS_WATCH` set at start-up), nothing in a release.
#[component]
pub fn AutoReload(
    /// The site's options (the reload port).
    options: LeptosOptions,
) -> impl IntoView {
    Built::of(&options)
        .watching
        .then(|| view! { <leptos::prelude::AutoReload options/> })
}

/// The browser bundle's start: hydrates the server-rendered `<body>` with `app`, waiting
/// for a lazily loaded page's part of the bundle when the page has one (Leptos'
/// `hydrate_body` cannot), then marks the body `data-hydrated`: from then on the page is
/// interactive (tests and tools wait for the mark).
#[cfg(feature = "hydrate")]
pub fn hydrate<F, N>(app: F)
where
    F: FnOnce() -> N + 'static,
    N: IntoView,
{
    wasm_bindgen_futures::spawn_local(async move {
        let body = document().body();
        let Some(body) = body else { return };
        leptos::mount::hydrate_from_async(body.clone(), app)
            .await
            .forget();
        let _ = body.set_attribute("data-hydrated", "");
    });
}

/// What the head links to, worked out at the first render.
struct Built {
    css: String,
    js: String,
    script: String,
    watching: bool,
}

impl Built {
    /// The names for this process: every page is rendered with the same options.
    fn of(options: &LeptosOptions) -> &'static Built {
        static BUILT: std::sync::OnceLock<Built> = std::sync::OnceLock::new();
        BUILT.get_or_init(|| Built::new(options))
    }

    fn new(options: &LeptosOptions) -> Built {
        let hashes = if options.hash_files {
            Hashes::beside_binary(&options.hash_file)
        } else {
            Hashes::default()
        };
        let pkg = format!("/{}", options.site_pkg_dir);
        let name = &options.output_name;
        let with_hash = |hash: &Option<String>, plain: &str, ext: &str| match hash {
            Some(hash) => format!("{pkg}/{name}.{hash}.{ext}"),
            None => format!("{pkg}/{plain}.{ext}"),
        };
        let js = with_hash(&hashes.js, name, "js");
        // cargo-leptos names the wasm after the output; a plain wasm-bindgen run adds `_bg`.
        let plain_wasm = if option_env!("LEPTOS_OUTPUT_NAME").is_some() {
            name.to_string()
        } else {
            format!("{name}_bg")
        };
        let wasm = with_hash(&hashes.wasm, &plain_wasm, "wasm");
        let script = format!(
            "import init, {{ hydrate }} from {js:?};\
             init({{ module_or_path: {wasm:?} }}).then(hydrate);"
        );
        Built {
            css: with_hash(&hashes.css, name, "css"),
            js,
            script,
            watching: std::env::var_os("LEPTOS_WATCH").is_some(),
        }
    }
}

/// Where a build with hashed file names leaves its hash file (`hash_file`, `hash.txt`):
/// beside the server binary.
pub fn hash_file_beside_binary(hash_file: &str) -> Option<std::path::PathBuf> {
    Some(std::env::current_exe().ok()?.parent()?.join(hash_file))
}

/// The lines of `hash.txt` this module needs (`js: <hash>`, `wasm: …`, `css: …`).
#[derive(Default)]
struct Hashes {
    js: Option<String>,
    wasm: Option<String>,
    css: Option<String>,
}

impl Hashes {
    /// Reads the hash file beside the running binary; empty when there is none.
    fn beside_binary(hash_file: &str) -> Hashes {
        let text = hash_file_beside_binary(hash_file)
            .and_then(|path| std::fs::read_to_string(path).ok())
            .unwrap_or_default();
        Hashes::parse(&text)
    }

    fn parse(text: &str) -> Hashes {
        let mut hashes = Hashes::default();
        for (key, value) in text.lines().filter_map(|line| line.split_once(':')) {
            let value = Some(value.trim().to_owned());
            match key.trim() {
                "js" => hashes.js = value,
                "wasm" => hashes.wasm = value,
                "css" => hashes.css = value,
                _ => {}
            }
        }
        hashes
    }
}

#[cfg(test)]
mod tests {
    use super::{Built, Hashes};
    use leptos::config::LeptosOptions;

    #[test]
    fn without_hashing_the_head_links_the_plain_names() {
        let options = LeptosOptions::builder()
            .output_name("site")
            .hash_files(false)
            .build();
        let built = Built::new(&options);
        assert_eq!(built.css, "/pkg/site.css");
        assert_eq!(built.js, "/pkg/site.js");
        assert!(
            built
                .script
                .starts_with("import init, { hydrate } from \"/pkg/site.js\";"),
            "{}",
            built.script
        );
    }

    #[test]
    fn reads_every_line_of_the_hash_file() {
        let hashes = Hashes::parse("js: a\nwasm: b\ncss: c\nmanifest: d\nsplit: e\n");
        assert_eq!(hashes.js.as_deref(), Some("a"));
        assert_eq!(hashes.wasm.as_deref(), Some("b"));
        assert_eq!(hashes.css.as_deref(), Some("c"));
    }

    #[test]
    fn no_hash_file_means_plain_names() {
        let hashes = Hashes::parse("");
        assert!(hashes.js.is_none() && hashes.css.is_none());
    }
}
