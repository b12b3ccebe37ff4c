// Links every program with ../user.ld (absolute path, so the linker's working directory does
// not matter).
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    let script = std::path::Path::new(&dir).join("../user.ld");
    let script = script.canonicalize().expect("user/user.ld");
    println!("cargo:rerun-if-changed={}", script.display());
    println!("cargo:rustc-link-arg-bins=-T{}", script.display());
}
