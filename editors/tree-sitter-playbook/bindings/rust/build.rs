//! Compiles the generated parser and the external scanner.

fn main() {
    let src_dir = std::path::Path::new("src");

    let mut c_config = cc::Build::new();
    c_config.std("c11").include(src_dir);

    #[cfg(target_env = "msvc")]
    c_config.flag("-utf-8");

    for file in ["parser.c", "scanner.c"] {
        let path = src_dir.join(file);
        c_config.file(&path);
        println!("cargo:rerun-if-changed={}", path.display());
    }
    println!(
        "cargo:rerun-if-changed={}",
        src_dir.join("tree_sitter").display()
    );

    // parser.c is generated: its unused parameters and tables are not ours to fix.
    c_config.warnings(false);
    c_config.compile("tree-sitter-playbook");
}
