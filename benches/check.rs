//! Benchmarks of the checker: a generated, realistic 10,000-line playbook and the
//! example playbooks in `examples/`.
//!
//! Run with `cargo bench --bench check`.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use playbook::check_text;

/// Exact number of lines of the generated playbook.
const LINES: usize = 10_000;

mod generated;

/// 1-based line of a byte offset, for debugging output.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn bench_check(c: &mut Criterion) {
    let text = generated::playbook(LINES);
    assert_eq!(
        text.lines().count(),
        LINES,
        "generated playbook must have exactly {LINES} lines"
    );
    let outcome = check_text("generated.playbook", &text);
    if outcome.errors() > 0 {
        for d in outcome.diagnostics.iter().take(20) {
            eprintln!(
                "line {}: {:?} {}",
                line_of(&text, d.span.start),
                d.code,
                d.message
            );
        }
        panic!(
            "generated playbook has {} errors, {} warnings",
            outcome.errors(),
            outcome.warnings()
        );
    }
    if outcome.warnings() > 0 {
        eprintln!(
            "note: generated playbook has {} warnings",
            outcome.warnings()
        );
        for d in outcome.diagnostics.iter().take(5) {
            eprintln!("  line {}: {}", line_of(&text, d.span.start), d.message);
        }
    }

    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("check_text_10k_lines", |b| {
        b.iter(|| check_text(black_box("generated.playbook"), black_box(&text)))
    });
    group.finish();
}

fn bench_examples(c: &mut Criterion) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("read examples/")
        .map(|e| e.expect("examples/ entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "playbook"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read example");
            (p.display().to_string(), text)
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no examples/*.playbook found");
    for (name, text) in &files {
        let outcome = check_text(name, text);
        assert_eq!(outcome.errors(), 0, "{name} has errors");
    }

    c.bench_function("check_examples", |b| {
        b.iter(|| {
            for (name, text) in &files {
                black_box(check_text(black_box(name), black_box(text)));
            }
        })
    });
}

criterion_group!(benches, bench_check, bench_examples);
criterion_main!(benches);
