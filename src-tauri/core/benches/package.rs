//! Package studio benchmark: `cargo bench -p botdeck-core --bench package`.
//!
//! Prints a table (median of several runs) for a typical package and a maximal one (every list
//! full, ~10 MB), plus the throughput of validating 1 000 manifests. Plain `harness = false`
//! binary: no statistics framework, no timing assertions anywhere in the test suite.

use std::hint::black_box;
use std::time::{Duration, Instant};

use botdeck_core::package::fixtures::{golden, maximal};
use botdeck_core::package::{
    validate_manifest, validate_package, validate_zip, Package, SchemaVersion, ValidateOptions,
};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    let samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed()
        })
        .collect();
    median(samples)
}

fn ms(d: Duration) -> String {
    format!("{:>9.3} ms", d.as_secs_f64() * 1e3)
}

fn row(name: &str, size: usize, d: Duration) {
    println!("{name:<44} {:>12} {}", format!("{size} B"), ms(d));
}

fn bench_package(label: &str, pkg: &Package, runs: usize) {
    let opts = ValidateOptions::default();
    let raw = pkg.to_raw();
    let report = validate_package(&raw, &opts);
    assert!(
        report.findings.is_empty(),
        "{label} package must validate clean: {:?}",
        report.findings
    );
    let content = raw.content_size() as usize;
    let zip = pkg.build_zip().expect("build");
    let validate = time(runs, || validate_package(&raw, &opts));
    let build = time(runs, || pkg.build_zip().expect("build"));
    let both = time(runs, || {
        let r = validate_package(&raw, &opts);
        (r, pkg.build_zip().expect("build"))
    });
    let from_zip = time(runs, || validate_zip(&zip, &opts));
    row(&format!("{label}: validate (in memory)"), content, validate);
    row(&format!("{label}: build zip"), zip.len(), build);
    row(&format!("{label}: validate + build"), content, both);
    row(
        &format!("{label}: import zip + validate"),
        zip.len(),
        from_zip,
    );
}

fn main() {
    println!("{:<44} {:>12} {:>12}", "case", "size", "median");
    let opts = ValidateOptions::default();

    // First use compiles the schema for the version; later calls reuse it.
    let first = golden(SchemaVersion::LATEST).to_raw();
    let t = Instant::now();
    black_box(validate_package(&first, &opts));
    row(
        "cold: first validation (compiles schema)",
        first.content_size() as usize,
        t.elapsed(),
    );

    bench_package("typical", &golden(SchemaVersion::LATEST), 50);
    bench_package("maximal", &maximal(), 7);

    // 1 000 distinct manifests across the golden versions.
    let versions = [
        SchemaVersion::V1_16,
        SchemaVersion::V1_19,
        SchemaVersion::V1_22,
        SchemaVersion::V1_24,
        SchemaVersion::LATEST,
    ];
    let manifests: Vec<Vec<u8>> = (0..1000)
        .map(|i| {
            let mut m = golden(versions[i % versions.len()]).manifest;
            m.version = format!("1.{}.{}", i / 100, i % 100);
            m.to_json_pretty().into_bytes()
        })
        .collect();
    for m in &manifests {
        black_box(validate_manifest(m, &opts)); // warm every version's schema
    }
    let runs: Vec<Duration> = (0..5)
        .map(|_| {
            let t = Instant::now();
            for m in &manifests {
                let r = validate_manifest(m, &opts);
                assert!(r.findings.is_empty());
                black_box(r);
            }
            t.elapsed()
        })
        .collect();
    let d = median(runs);
    let bytes: usize = manifests.iter().map(Vec::len).sum();
    row("1 000 manifests: validate", bytes, d);
    println!(
        "{:<44} {:>12} {:>9.0} /s",
        "  throughput",
        "",
        1000.0 / d.as_secs_f64()
    );
}
