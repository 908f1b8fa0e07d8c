//! The test suite of a set of playbooks: finds the files, checks each one, runs its
//! `test` blocks through the interpreter and measures what they covered. `playbook
//! test` renders what [`run_suite`] returns.

pub mod case;
pub mod coverage;

use std::path::PathBuf;

use regex::Regex;

use crate::app::test::case::{TargetDiff, TestOutcome, grant_diff, run_test};
use crate::app::test::coverage::{CoverageItem, Reached, coverage};
use crate::check::CheckOutcome;
use crate::compile::compile;

/// What to run.
#[derive(Debug, Default)]
pub struct SuiteOptions {
    /// Only tests whose name matches.
    pub filter: Option<Regex>,
}

/// The result of one test block.
#[derive(Debug)]
pub struct TestResult {
    /// What the run did and which expectations failed.
    pub outcome: TestOutcome,
    /// For a failed test: expected against actual grants per target.
    pub diff: Vec<TargetDiff>,
}

/// One playbook file of the suite.
#[derive(Debug)]
pub struct FileResult {
    /// The file as given or found.
    pub path: PathBuf,
    /// Its check: sources for rendering, and diagnostics (errors mean no test ran).
    pub check: CheckOutcome,
    /// Results of the tests that ran, in file order.
    pub tests: Vec<TestResult>,
    /// Tests left out by the filter.
    pub filtered_out: usize,
    /// Every rule and arm of the file, covered or not (empty when it did not check).
    pub coverage: Vec<CoverageItem>,
}

impl FileResult {
    /// Whether the file has check errors (then it counts as one failure).
    pub fn broken(&self) -> bool {
        self.check.errors() > 0
    }
}

/// The whole suite.
#[derive(Debug, Default)]
pub struct SuiteReport {
    /// Files in the order given, directories expanded in name order.
    pub files: Vec<FileResult>,
    /// Paths that could not be read, with the reason.
    pub unreadable: Vec<(PathBuf, String)>,
}

impl SuiteReport {
    /// Tests that passed.
    pub fn passed(&self) -> usize {
        self.results().filter(|t| t.outcome.passed()).count()
    }

    /// Tests that failed.
    pub fn failed(&self) -> usize {
        self.results().filter(|t| !t.outcome.passed()).count()
    }

    /// Files whose check errors kept their tests from running.
    pub fn broken_files(&self) -> usize {
        self.files.iter().filter(|f| f.broken()).count()
    }

    /// Tests left out by the filter.
    pub fn filtered_out(&self) -> usize {
        self.files.iter().map(|f| f.filtered_out).sum()
    }

    /// Whether everything passed: no failed test, no broken or unreadable file.
    pub fn success(&self) -> bool {
        self.failed() == 0 && self.broken_files() == 0 && self.unreadable.is_empty()
    }

    /// Every coverage item of every file, with its file.
    pub fn coverage(&self) -> impl Iterator<Item = (&FileResult, &CoverageItem)> {
        self.files
            .iter()
            .flat_map(|f| f.coverage.iter().map(move |c| (f, c)))
    }

    /// Covered items in percent over all files (100 when there is nothing to cover).
    pub fn coverage_percent(&self) -> f64 {
        let items: Vec<CoverageItem> = self.coverage().map(|(_, c)| c.clone()).collect();
        crate::app::test::coverage::percent(&items)
    }

    fn results(&self) -> impl Iterator<Item = &TestResult> {
        self.files.iter().flat_map(|f| &f.tests)
    }
}

/// Checks every file and runs the test blocks of those without errors.
pub fn run_suite(paths: &[PathBuf], options: &SuiteOptions) -> SuiteReport {
    let (files, mut unreadable) = crate::app::files::playbook_files(paths);
    let mut report = SuiteReport::default();
    for path in files {
        match crate::check::check_file(&path) {
            Ok(check) => report.files.push(run_file(path, check, options)),
            Err(e) => unreadable.push((path, e.to_string())),
        }
    }
    report.unreadable = unreadable;
    report
}

/// Runs the tests of one checked file.
pub fn run_file(path: PathBuf, check: CheckOutcome, options: &SuiteOptions) -> FileResult {
    let mut result = FileResult {
        path,
        check,
        tests: Vec::new(),
        filtered_out: 0,
        coverage: Vec::new(),
    };
    let Some(program) = &result.check.program else {
        return result;
    };
    let engine = compile(program.clone());
    let mut reached = Reached::default();
    for case in &program.tests {
        if options
            .filter
            .as_ref()
            .is_some_and(|f| !f.is_match(&case.name))
        {
            result.filtered_out += 1;
            continue;
        }
        let outcome = run_test(&engine, case);
        reached.add(&outcome);
        let diff = if outcome.passed() {
            Vec::new()
        } else {
            grant_diff(&engine, &result.check.sources, case, &outcome)
        };
        result.tests.push(TestResult { outcome, diff });
    }
    result.coverage = coverage(program, &engine.plan, &reached);
    result
}
