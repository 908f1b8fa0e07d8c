//! `playbook lsp`: the language server over standard input and output
//! ([`playbook::ide::server`]).

use clap::Args;

use super::{Status, print_stderr_line};

/// Arguments of `playbook lsp`.
#[derive(Debug, Args)]
#[command(after_help = "Editors start it themselves; the VS Code extension in \
    editors/vscode does. A data file for segment sizes on hover is given as the \
    initialization option `{\"data\": \"members.db\"}` (the extension's `playbook.data` \
    setting).")]
pub struct LspArgs {
    /// Accepted for clients that always pass it; standard input and output are the
    /// only transport.
    #[arg(long)]
    stdio: bool,
}

/// Serves until the client shuts the server down.
pub fn run(_args: &LspArgs) -> Status {
    let (connection, io) = lsp_server::Connection::stdio();
    let served = playbook::ide::server::serve(&connection);
    drop(connection);
    let joined = io.join();
    match served
        .map_err(|e| e.to_string())
        .and(joined.map_err(|e| e.to_string()))
    {
        Ok(()) => Status::Success,
        Err(e) => {
            print_stderr_line(&format!("error: language server: {e}"));
            Status::Failure
        }
    }
}
