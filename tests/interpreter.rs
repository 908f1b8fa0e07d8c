//! The interpreter's semantics, one playbook test block per behaviour.

use playbook::runtime::engine::Engine;
use playbook::runtime::testing::run_test;

fn run_file(path: &str) -> Vec<String> {
    let outcome = playbook::check_file(std::path::Path::new(path)).unwrap();
    let program = outcome
        .program
        .unwrap_or_else(|| panic!("{path} does not check: {:?}", outcome.diagnostics));
    let engine = Engine::new(&program);
    program
        .tests
        .iter()
        .map(|t| run_test(&engine, t))
        .filter(|o| !o.passed())
        .map(|o| format!("{}: {:?} {:?}", o.name, o.failures, o.error))
        .collect()
}

#[test]
fn example_tests_pass() {
    let mut failures = Vec::new();
    for entry in std::fs::read_dir("examples").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "playbook") {
            failures.extend(run_file(path.to_str().unwrap()));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

