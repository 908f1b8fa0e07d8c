'use strict';
// The language itself (file extension, grammar, brackets) is declared in package.json;
// this file starts `playbook lsp` and restarts it when its settings change.

const path = require('path');
const vscode = require('vscode');
const { LanguageClient, TransportKind, RevealOutputChannelOn } = require('vscode-languageclient/node');
const { foldingRanges } = require('./lib/folding');
const { expandVariables, resolveCommand } = require('./lib/server');

const LANGUAGE = 'playbook';
const SERVER_NAME = 'Playbook Language Server';
// Settings whose change needs a new server process; `playbook.trace.server` does not:
// the client library reads it live.
const RESTART_ON = ['playbook.server', 'playbook.data'];

/** @type {LanguageClient | undefined} */
let client;
/** @type {vscode.OutputChannel} */
let outputChannel;
/** @type {vscode.FileSystemWatcher} */
let watcher;
// Starts and stops run one after another, so quick setting edits cannot leave two servers.
let queue = Promise.resolve();

function enqueue(task) {
  queue = queue.then(task, task);
  return queue;
}

function workspaceFolder() {
  const editor = vscode.window.activeTextEditor;
  const folder = (editor && vscode.workspace.getWorkspaceFolder(editor.document.uri))
    || (vscode.workspace.workspaceFolders || [])[0];
  return folder && folder.uri.scheme === 'file' ? folder.uri.fsPath : undefined;
}

// Not awaited by callers: the message waits for the user, the start queue must not.
async function showNotFound(configured, detail) {
  const open = 'Open Settings';
  const choice = await vscode.window.showErrorMessage(
    `Playbook: cannot start the language server: ${detail}. ` +
      'Install playbook (`cargo install --path .` in its repository) or set "playbook.server.path" ' +
      `to the full path of the playbook binary (now "${configured}").`,
    open,
  );
  if (choice === open) {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'playbook.server.path');
  }
}

async function start() {
  const config = vscode.workspace.getConfiguration('playbook');
  const folder = workspaceFolder();
  const configured = config.get('server.path') || 'playbook';
  const command = resolveCommand(expandVariables(configured, folder), { cwd: folder });
  if (!command) {
    void showNotFound(configured, `"${configured}" was not found`);
    return;
  }

  const extraArgs = (config.get('server.extraArgs') || []).map((a) => expandVariables(a, folder));
  // Sent even when empty: a server reading a struct of optional fields takes `{}`, not null.
  const initializationOptions = {};
  const data = (config.get('data') || '').trim();
  if (data) initializationOptions.data = path.resolve(folder || process.cwd(), expandVariables(data, folder));

  const serverOptions = {
    command,
    args: ['lsp', ...extraArgs],
    // The client appends `--stdio`, which `playbook lsp` accepts.
    transport: TransportKind.stdio,
    options: { cwd: folder },
  };
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: LANGUAGE },
      { scheme: 'untitled', language: LANGUAGE },
    ],
    initializationOptions,
    outputChannel,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    synchronize: {
      // `use "other.playbook"`: the server hears about files changed outside the editor.
      fileEvents: watcher,
    },
  };

  const next = new LanguageClient(LANGUAGE, SERVER_NAME, serverOptions, clientOptions);
  try {
    await next.start();
    client = next;
    outputChannel.appendLine(`Started ${command} ${serverOptions.args.join(' ')}`);
  } catch (err) {
    const message = err && err.message ? err.message : String(err);
    outputChannel.appendLine(`Could not start ${command}: ${message}`);
    try {
      await next.dispose();
    } catch {
      // It never ran; nothing to stop.
    }
    if (/ENOENT|EACCES|not found/i.test(message)) void showNotFound(configured, message);
    else {
      void vscode.window.showErrorMessage(
        `Playbook: the language server failed to start: ${message}. See the "${SERVER_NAME}" output; ` +
          'its binary is set by "playbook.server.path".',
      );
    }
  }
}

async function stop() {
  const old = client;
  client = undefined;
  if (!old) return;
  try {
    await old.dispose();
  } catch (err) {
    outputChannel.appendLine(`Stopping the server: ${err && err.message ? err.message : err}`);
  }
}

function activate(context) {
  outputChannel = vscode.window.createOutputChannel(SERVER_NAME);
  // One watcher for every server started, rather than one per restart.
  watcher = vscode.workspace.createFileSystemWatcher('**/*.playbook');
  context.subscriptions.push(outputChannel, watcher);

  context.subscriptions.push(
    vscode.languages.registerFoldingRangeProvider({ language: LANGUAGE }, {
      provideFoldingRanges(document) {
        return foldingRanges(document.getText()).map((r) => new vscode.FoldingRange(
          r.start,
          r.end,
          r.kind === 'comment' ? vscode.FoldingRangeKind.Comment
            : r.kind === 'region' ? vscode.FoldingRangeKind.Region : undefined,
        ));
      },
    }),
    vscode.commands.registerCommand('playbook.restartServer', () => enqueue(async () => {
      await stop();
      await start();
    })),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (RESTART_ON.some((section) => event.affectsConfiguration(section))) {
        enqueue(async () => {
          await stop();
          await start();
        });
      }
    }),
  );

  // Not awaited: editing works (highlighting, folding) while the server starts.
  void enqueue(start);
}

function deactivate() {
  return enqueue(stop);
}

module.exports = { activate, deactivate };
