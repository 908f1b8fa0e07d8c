//! What the benchmarks share: where the repository is, how many members, and the
//! generated members file.

use std::path::PathBuf;
use std::process::Command;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Members to generate: `PLAYBOOK_BENCH_MEMBERS`, or a million.
pub fn members() -> u64 {
    match std::env::var("PLAYBOOK_BENCH_MEMBERS") {
        Ok(s) => s
            .replace('_', "")
            .parse()
            .expect("PLAYBOOK_BENCH_MEMBERS must be a number"),
        Err(_) => 1_000_000,
    }
}

/// The data file for `n` members, generated when missing.
pub fn data_file(n: u64) -> PathBuf {
    let db = root().join("target").join(format!("bench-members-{n}.db"));
    if !db.exists() {
        std::fs::create_dir_all(db.parent().expect("target/")).expect("create target/");
        // Generate under a temporary name so an interrupted run leaves no half file.
        let tmp = db.with_extension("db.tmp");
        eprintln!("generating {} ({n} members)…", db.display());
        let status = Command::new("python3")
            .arg(root().join("bench").join("gen_members.py"))
            .arg(n.to_string())
            .arg(&tmp)
            .status()
            .expect("run python3 bench/gen_members.py");
        assert!(status.success(), "bench/gen_members.py failed: {status}");
        std::fs::rename(&tmp, &db).expect("rename the generated data file");
    }
    db
}
