//! `new page NAME`: a page at `/NAME`, lazily loaded, with its test.

use std::path::Path;

use super::Name;
use super::edit::{self, Planned};
use super::error::NewError;

const PAGES: &str = "app/src/pages/mod.rs";
const ROOT: &str = "app/src/root.rs";
const TESTS: &str = "server/tests/accounts/pages.rs";
const LAYOUT: &str = "app/src/components/layout.rs";
/// The nav bar's links for everyone end before this line of the layout.
const NAV_END: &str = "<Transition fallback=|| ()>";

/// Plans every file of page `name` (and its nav link, with `nav`), then writes them;
/// answers what it wrote.
pub fn generate(root: &Path, name: &Name, nav: bool) -> Result<Vec<String>, NewError> {
    let (snake, kebab, camel, title) = (name.snake(), name.kebab(), name.camel(), name.title());
    edit::outside_of(name, &["pages"])?;
    let module = format!("app/src/pages/{snake}.rs");
    let route = format!("{camel}Route");
    let component = format!("{camel}Page");
    let unplaced = |file: &str, place| NewError::Unplaced {
        file: file.to_owned(),
        place,
    };

    let pages = edit::read(root, PAGES)?;
    let taken = pages.lines().any(|line| {
        let line = line.trim();
        line.starts_with(&format!("{route} =>")) || line == format!("mod {snake};")
    });
    if taken {
        return Err(NewError::Taken(format!(
            "{PAGES} has a page {snake} already"
        )));
    }
    let pages = edit::insert_sorted(&pages, None, "mod ", &format!("mod {snake};"))
        .ok_or_else(|| unplaced(PAGES, "`mod` block"))?;
    let pages = edit::insert_sorted(
        &pages,
        Some("mod "),
        "use ",
        &format!("use {snake}::{component};"),
    )
    .ok_or_else(|| unplaced(PAGES, "`use` block"))?;
    let row = format!("    /// `/{kebab}`.\n    {route} => {component},");
    let pages = edit::insert_before(&pages, "self::lazy_pages! {", "}", &row)
        .ok_or_else(|| unplaced(PAGES, "`self::lazy_pages!` block"))?;

    let routes = edit::read(root, ROOT)?;
    if routes.contains(&format!("path!(\"{kebab}\")")) {
        return Err(NewError::Taken(format!("{ROOT} routes /{kebab} already")));
    }
    let indent =
        edit::indent_of(&routes, "</Routes>").ok_or_else(|| unplaced(ROOT, "</Routes>"))?;
    let line = format!(
        "{indent}    <Route path=path!(\"{kebab}\") view={{Lazy::<crate::pages::{route}>::new()}} ssr=SSR/>"
    );
    let routes = edit::insert_before(&routes, "<Routes", "</Routes>", &line)
        .ok_or_else(|| unplaced(ROOT, "<Routes>"))?;

    let tests = edit::read(root, TESTS)?;
    let test = format!("the_{snake}_page_is_served");
    let tests = edit::with_test(TESTS, &tests, &test, &page_test(&test, &kebab, &title, nav))?;

    let mut planned = vec![
        edit::create(root, module, page_module(&kebab, &component, &title))?,
        Planned::edited(PAGES, pages),
        Planned::edited(ROOT, routes),
        Planned::edited(TESTS, tests),
    ];
    if nav {
        let layout = edit::read(root, LAYOUT)?;
        let indent = edit::indent_of(&layout, NAV_END).ok_or_else(|| unplaced(LAYOUT, NAV_END))?;
        let link = format!("{indent}<li><A href=\"/{kebab}\">\"{title}\"</A></li>");
        let layout = edit::insert_before(&layout, "<nav", NAV_END, &link)
            .ok_or_else(|| unplaced(LAYOUT, "nav bar"))?;
        planned.push(Planned::edited(LAYOUT, layout));
    }
    edit::write_all(root, planned)
}

fn page_module(kebab: &str, component: &str, title: &str) -> String {
    format!(
        r#"//! `/{kebab}`.

use leptos::prelude::*;
use leptos_meta::Title;

/// The page at `/{kebab}`.
#[component]
pub fn {component}() -> impl IntoView {{
    view! {{
        <Title text="{title}"/>
        <section class="card">
            <h1>"{title}"</h1>
        </section>
    }}
}}
"#
    )
}

fn page_test(test: &str, kebab: &str, title: &str, nav: bool) -> String {
    let linked = if nav {
        format!(
            "\n    assert!(html.contains(r#\"<a href=\"/{kebab}\"\"#), \"the nav bar's link: {{html}}\");"
        )
    } else {
        String::new()
    };
    format!(
        r#"
/// `/{kebab}` is served to anyone, with its title{and_link}.
#[tokio::test]
async fn {test}() {{
    let app = crate::helpers::spawn_app().await;
    let response = app.get("/{kebab}").await;
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let html = response.text().await.expect("body");
    assert!(html.contains("<h1>{title}</h1>"), "{{html}}");{linked}
}}
"#,
        and_link = if nav {
            " and a link in the nav bar"
        } else {
            ""
        },
    )
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    const PAGES_TEXT: &str = "//! Pages.\n\nuse leptos::prelude::*;\n\nmod settings;\nmod sign_in;\n\nuse settings::SettingsPage;\npub use sign_in::SignInPage;\n\nself::lazy_pages! {\n    /// `/settings`.\n    SettingsRoute => SettingsPage,\n}\n";
    const ROOT_TEXT: &str = "view! {\n        <Routes fallback=NotFound>\n            <Route path=path!(\"\") view={Lazy::<HomeRoute>::new()} ssr=SSR/>\n        </Routes>\n}\n";
    const TESTS_TEXT: &str = "//! Tests.\n\n#[tokio::test]\nasync fn one() {}\n";

    /// A project with the three files a page edits.
    fn project() -> tempfile::TempDir {
        edit::project_with(&[(PAGES, PAGES_TEXT), (ROOT, ROOT_TEXT), (TESTS, TESTS_TEXT)])
    }

    fn read(dir: &tempfile::TempDir, path: &str) -> String {
        fs::read_to_string(dir.path().join(path)).expect("readable")
    }

    #[test]
    fn a_page_is_written_and_wired() {
        let dir = project();
        let name: Name = "about-us".parse().expect("a name");
        let report = generate(dir.path(), &name, false).expect("generated");
        assert_eq!(report.len(), 4, "{report:?}");

        let module = read(&dir, "app/src/pages/about_us.rs");
        assert!(
            module.contains("pub fn AboutUsPage() -> impl IntoView"),
            "{module}"
        );
        assert!(module.contains("<h1>\"About us\"</h1>"), "{module}");
        assert_eq!(
            read(&dir, PAGES),
            "//! Pages.\n\nuse leptos::prelude::*;\n\nmod about_us;\nmod settings;\nmod sign_in;\n\nuse about_us::AboutUsPage;\nuse settings::SettingsPage;\npub use sign_in::SignInPage;\n\nself::lazy_pages! {\n    /// `/settings`.\n    SettingsRoute => SettingsPage,\n    /// `/about-us`.\n    AboutUsRoute => AboutUsPage,\n}\n"
        );
        assert!(read(&dir, ROOT).contains(
            "            <Route path=path!(\"about-us\") view={Lazy::<crate::pages::AboutUsRoute>::new()} ssr=SSR/>\n        </Routes>"
        ));
        let tests = read(&dir, TESTS);
        assert!(
            tests.contains("async fn the_about_us_page_is_served()"),
            "{tests}"
        );
        assert!(tests.contains("app.get(\"/about-us\")"), "{tests}");
    }

    #[test]
    fn a_second_run_refuses_and_changes_nothing() {
        let dir = project();
        let name: Name = "faq".parse().expect("a name");
        generate(dir.path(), &name, false).expect("generated");
        let before: Vec<String> = [PAGES, ROOT, TESTS].map(|p| read(&dir, p)).into();
        let refused = edit::refusal(generate(dir.path(), &name, false));
        assert!(refused.contains("a page faq already"), "{refused}");
        let after: Vec<String> = [PAGES, ROOT, TESTS].map(|p| read(&dir, p)).into();
        assert_eq!(before, after);
    }

    #[test]
    fn a_name_inside_another_is_free_and_a_taken_path_is_not() {
        let dir = project();
        let pages = read(&dir, PAGES).replace(
            "SettingsRoute => SettingsPage,",
            "SettingsRoute => SettingsPage,\n    ConfirmEmailRoute => ConfirmEmailPage,",
        );
        fs::write(dir.path().join(PAGES), pages).expect("written");
        generate(dir.path(), &"email".parse().expect("a name"), false).expect("generated");
        let refused = edit::refusal(generate(
            dir.path(),
            &"email".parse().expect("a name"),
            false,
        ));
        assert!(refused.contains("has a page email already"), "{refused}");
        let root = read(&dir, ROOT).replace("path!(\"\")", "path!(\"help\")");
        fs::write(dir.path().join(ROOT), root).expect("written");
        let refused = edit::refusal(generate(
            dir.path(),
            &"help".parse().expect("a name"),
            false,
        ));
        assert!(refused.contains("routes /help already"), "{refused}");
    }

    #[test]
    fn a_page_in_the_nav_bar_gets_a_link_after_the_others() {
        let dir = project();
        let layout = "view! {\n    <nav>\n        <ul>\n            <li><A href=\"/\">\"Home\"</A></li>\n            <Transition fallback=|| ()>\n                <li/>\n            </Transition>\n        </ul>\n    </nav>\n}\n";
        fs::create_dir_all(dir.path().join("app/src/components")).expect("directories");
        fs::write(dir.path().join(LAYOUT), layout).expect("written");
        generate(dir.path(), &"pricing".parse().expect("a name"), true).expect("generated");
        assert!(read(&dir, LAYOUT).contains(
            "<li><A href=\"/\">\"Home\"</A></li>\n            <li><A href=\"/pricing\">\"Pricing\"</A></li>\n            <Transition"
        ));
        let tests = read(&dir, TESTS);
        assert!(
            tests.contains(r##"html.contains(r#"<a href="/pricing""#)"##),
            "{tests}"
        );
    }

    #[test]
    fn outside_a_project_nothing_is_written() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let refused = edit::refusal(generate(dir.path(), &"faq".parse().expect("a name"), false));
        assert!(refused.contains("project's root"), "{refused}");
        assert!(!dir.path().join("app").exists());
    }
}
