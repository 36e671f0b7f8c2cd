//! The whole pipeline (load, decode, rules, set pass, both reporters) on arbitrary bytes: it
//! may report anything, but must not panic, hang or run out of memory.
#![no_main]

use kubelint::report::{human, json};
use kubelint::walk::Input;
use kubelint::{Config, LintOptions, lint};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let options = LintOptions {
        jobs: Some(1),
        ..LintOptions::default()
    };
    let report = lint(&[Input::Stdin], Some(text), &Config::default(), &options);
    let human_options = human::HumanOptions {
        color: false,
        width: 100,
        links: false,
        show_suppressed: true,
    };
    let mut out = Vec::new();
    human::write(&report, &human_options, &mut out).expect("render to memory");
    let json_options = json::JsonOptions {
        show_suppressed: true,
    };
    json::write_with(&report, &json_options, &mut out).expect("render to memory");
});
