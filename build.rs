//! One link flag for the `cxda` binary on Linux (glibc): packed relative relocations
//! (`-z pack-relative-relocs`, DT_RELR). A position-independent executable carries one
//! 24-byte relocation per pointer in its read-only data; the loader reads all of them at
//! every start, so they stay resident: 393 KiB of `.rela.dyn`, shrunk to 5 KiB of
//! `.relr.dyn`. Measured on the studio, idle, 120x40 (`cargo bench --bench tui_pty`, b.):
//! RSS 11.9-12.3 MiB -> 11.4-11.6 MiB. Needs a linker that knows the flag (GNU ld 2.38+,
//! lld 15+) and glibc 2.36+ where the binary runs (the machine that built it, for
//! `cargo run` and `cargo install`). Only the binary is affected; tests link as before.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo::rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
