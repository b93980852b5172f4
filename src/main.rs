use std::process::ExitCode;

// ssmgen allocates and frees hundreds of thousands of small strings for a large spec
// (plan, template contexts); glibc's allocator spent a third of the run consolidating
// them. mimalloc halves the wall time at 10,000 fleets (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    ExitCode::from(ssmgen::app::main())
}
