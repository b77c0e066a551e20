//! `sas-emulator`: the local Sas private-registry API for demos and tests. All logic lives in
//! the `sas_emulator` library; see `sas-emulator --help`.

fn main() -> std::process::ExitCode {
    sas_emulator::cli::main()
}
