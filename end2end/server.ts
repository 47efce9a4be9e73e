import { readFileSync } from "node:fs";

/**
 * The release build's server binary: `bin-target` of the workspace's Leptos metadata in
 * Cargo.toml (a generated project names it after itself), or `server`. Paths are from
 * `end2end/`, where the tests run.
 */
const binTarget = readFileSync("../Cargo.toml", "utf8").match(/^bin-target = "(.+)"$/m)?.[1];

export const serverBinary = `../target/release/${binTarget ?? "server"}`;
