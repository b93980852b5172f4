use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(ssmgen::app::main())
}
