//! Sizes of what ships (the bundle, raw and compressed as it is sent; the server binary),
//! and the time the development loop takes.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One file's size, raw and compressed as a server would send it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Size {
    /// Bytes on disk.
    pub raw: u64,
    /// Gzip: the `.gz` file the build wrote, or `gzip -9`.
    pub gzip: u64,
    /// Brotli: the `.br` file the build wrote (quality 11), or `brotli -q 11`.
    pub brotli: u64,
}

impl Size {
    /// Two files together.
    #[must_use]
    pub fn add(&self, other: &Self) -> Self {
        Self {
            raw: self.raw + other.raw,
            gzip: self.gzip + other.gzip,
            brotli: self.brotli + other.brotli,
        }
    }
}

/// What ships.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sizes {
    /// The JavaScript and WebAssembly the home page loads to become interactive: the
    /// loader, the main module and, with a split bundle, the home page's part and the
    /// shared chunks it needs.
    pub first_load: Size,
    /// Every WebAssembly file of the app: the main module and all split parts.
    pub all_wasm: Size,
    /// The server binary.
    pub binary: u64,
}

/// The time of the development loop.
#[derive(Debug, Clone, Copy)]
pub struct DevLoop {
    /// From saving a one-line change in a page to the new page being served.
    pub rebuild_secs: f64,
    /// A clean release build.
    pub release_secs: f64,
}

/// The home page's route in the split manifest (`#[lazy_route]` names it after the type).
const HOME_ROUTE: &str = "__home_route_view";

/// Sizes of the bundle in `site/pkg` (names from `hash.txt` beside `server`) and of
/// `server`.
pub fn measure(site: &Path, server: &Path) -> Result<Sizes, String> {
    let pkg = site.join("pkg");
    let files: Vec<String> = std::fs::read_dir(&pkg)
        .map_err(|e| format!("{}: {e}", pkg.display()))?
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    let hashes = server
        .parent()
        .map(|dir| dir.join("hash.txt"))
        .and_then(|path| std::fs::read_to_string(path).ok())
        .unwrap_or_default();
    let hash = |key: &str| {
        hashes.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            (k.trim() == key).then(|| format!(".{}", v.trim()))
        })
    };
    let named = |stem: &str, ext: &str| -> Result<Size, String> {
        let name = format!("{stem}.{ext}");
        if !files.contains(&name) {
            return Err(format!("no {name} in {}", pkg.display()));
        }
        size_of(&pkg.join(name))
    };
    let main = format!("app{}", hash("wasm").unwrap_or_default());
    let js = format!("app{}", hash("js").unwrap_or_default());
    let mut first_load = named(&js, "js")?.add(&named(&main, "wasm")?);
    let mut all_wasm = Size::default();
    for name in files.iter().filter(|name| name.ends_with(".wasm")) {
        all_wasm = all_wasm.add(&size_of(&pkg.join(name))?);
    }
    if let Some(split) = hash("split") {
        first_load = first_load.add(&named(&format!("__wasm_split{split}"), "js")?);
        let manifest = format!(
            "__wasm_split_manifest{}",
            hash("manifest").unwrap_or_default()
        );
        let text = std::fs::read_to_string(pkg.join(format!("{manifest}.json")))
            .map_err(|e| format!("{manifest}.json: {e}"))?;
        let parts: std::collections::HashMap<String, Vec<String>> =
            serde_json::from_str(&text).map_err(|e| format!("{manifest}.json: {e}"))?;
        let (home, chunks) = parts
            .iter()
            .find(|(name, _)| name.starts_with(HOME_ROUTE))
            .ok_or(format!("no {HOME_ROUTE} in {manifest}.json"))?;
        let own = files
            .iter()
            .find(|f| f.starts_with(&format!("split_{home}.")) && f.ends_with(".wasm"))
            .ok_or(format!("no split_{home}.*.wasm"))?;
        first_load = first_load.add(&size_of(&pkg.join(own))?);
        for chunk in chunks {
            first_load = first_load.add(&named(chunk, "wasm")?);
        }
    }
    Ok(Sizes {
        first_load,
        all_wasm,
        binary: std::fs::metadata(server).map_err(|e| e.to_string())?.len(),
    })
}

/// A file's size, and its compressed sizes: those of the `.gz` and `.br` files the build
/// wrote beside it (what the server sends), or compressed here when there are none.
fn size_of(path: &Path) -> Result<Size, String> {
    let beside = |ext: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(ext);
        std::fs::metadata(name).ok().map(|m| m.len())
    };
    Ok(Size {
        raw: std::fs::metadata(path).map_err(|e| e.to_string())?.len(),
        gzip: match beside(".gz") {
            Some(len) => len,
            None => compressed("gzip", &["-9", "-c"], path)?,
        },
        brotli: match beside(".br") {
            Some(len) => len,
            None => compressed("brotli", &["-c", "-q", "11"], path)?,
        },
    })
}

/// The size of `path` compressed by `tool`, which writes it to its standard output.
fn compressed(tool: &str, args: &[&str], path: &Path) -> Result<u64, String> {
    let output = Command::new(tool)
        .args(args)
        .arg(path)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {tool}: {e}"))?;
    if !output.status.success() {
        return Err(format!("{tool} failed on {}", path.display()));
    }
    Ok(output.stdout.len() as u64)
}

/// The page edited to time a rebuild, the text changed, and its replacement.
const PAGE: &str = "app/src/project.rs";
const BEFORE: &str = "in one language on both sides.";
const AFTER: &str = "in one language on both sides (edited).";

/// Times a `cargo leptos watch` rebuild after a one-line change in a page, then a clean
/// release build (in its own target directory, so the usual one is kept).
pub fn dev_loop() -> Result<DevLoop, String> {
    let original = std::fs::read_to_string(PAGE).map_err(|e| e.to_string())?;
    if !original.contains(BEFORE) {
        return Err(format!("{PAGE} no longer says `{BEFORE}`"));
    }
    let port = crate::process::free_port();
    let data = std::env::temp_dir().join(format!("mizan-bench-watch-{}", std::process::id()));
    let mut watch = Command::new("cargo")
        .args(["leptos", "watch", "--split"])
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env(
            "LEPTOS_RELOAD_PORT",
            crate::process::free_port().to_string(),
        )
        .env("MIZAN_DATA_DIR", &data)
        // As ./scripts/dev builds: its own site, plain file names (the release build's
        // site, which the rest of the bench measures, is left alone).
        .env("LEPTOS_SITE_ROOT", "target/site-dev")
        .env("LEPTOS_HASH_FILES", "false")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own process group, so that stopping it stops the server it started too.
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot run cargo leptos watch: {e}"))?;
    let page = |marker: &str, limit: Duration| wait_for_page(port, marker, limit);
    let result = (|| {
        page("<h1>Mizan</h1>", Duration::from_secs(1800))?;
        std::fs::write(PAGE, original.replace(BEFORE, AFTER)).map_err(|e| e.to_string())?;
        let started = Instant::now();
        page(AFTER, Duration::from_secs(1800))?;
        Ok::<_, String>(started.elapsed().as_secs_f64())
    })();
    let _ = std::fs::write(PAGE, &original);
    let _ = Command::new("kill")
        .args(["-TERM", &format!("-{}", watch.id())])
        .status();
    let _ = watch.wait();
    let _ = std::fs::remove_dir_all(&data);
    let rebuild_secs = result?;

    let clean = Path::new("target/bench-clean");
    let started = Instant::now();
    let status = Command::new("cargo")
        .args(["leptos", "build", "--release", "--split", "--precompress"])
        .env("CARGO_TARGET_DIR", clean)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| e.to_string())?;
    let release_secs = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(clean);
    if !status.success() {
        return Err("the clean release build failed".into());
    }
    Ok(DevLoop {
        rebuild_secs,
        release_secs,
    })
}

/// Polls `GET /` until the page contains `marker`.
fn wait_for_page(port: u16, marker: &str, limit: Duration) -> Result<(), String> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        let body = Command::new("curl")
            .args([
                "-s",
                "--max-time",
                "2",
                &format!("http://127.0.0.1:{port}/"),
            ])
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        if body.contains(marker) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    Err(format!("the page never showed `{marker}`"))
}
