'use strict';
// Finding the `playbook` binary, kept free of the `vscode` module so that it can be
// tested with plain node.

const fs = require('fs');
const os = require('os');
const path = require('path');

/** Expands `${workspaceFolder}`, `${userHome}` and a leading `~`, as users write paths in settings. */
function expandVariables(value, workspaceFolder) {
  let s = String(value);
  if (s === '~' || s.startsWith('~/') || s.startsWith('~\\')) s = os.homedir() + s.slice(1);
  s = s.replace(/\$\{userHome\}/g, os.homedir());
  if (workspaceFolder) s = s.replace(/\$\{workspaceFolder\}/g, workspaceFolder);
  return s;
}

function isExecutableFile(file, platform) {
  try {
    if (!fs.statSync(file).isFile()) return false;
    // Windows has no execute bit; there the extension (PATHEXT) decides.
    if (platform !== 'win32') fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The absolute path of the server binary, or null when there is none.
 *
 * A value with a directory part is a path (relative ones to the workspace folder, so
 * `target/release/playbook` works in a checkout); a bare name is looked up on PATH,
 * then in cargo's bin directory, since `cargo install` puts it there and an editor
 * started from the desktop often lacks that directory on its PATH.
 */
function resolveCommand(command, { cwd, env = process.env, platform = process.platform } = {}) {
  if (!command) return null;
  const exts = platform === 'win32'
    ? ['', ...(env.PATHEXT || '.EXE;.CMD;.BAT;.COM').split(';').filter(Boolean)]
    : [''];
  const tryFile = (file) => {
    for (const ext of exts) {
      if (isExecutableFile(file + ext, platform)) return file + ext;
    }
    return null;
  };

  const hasDir = command.includes('/') || (platform === 'win32' && command.includes('\\'));
  if (hasDir || path.isAbsolute(command)) {
    return tryFile(path.resolve(cwd || process.cwd(), command));
  }
  const pathVar = env.PATH || env.Path || '';
  const dirs = pathVar.split(path.delimiter).filter(Boolean);
  const cargoHome = env.CARGO_HOME || path.join(os.homedir(), '.cargo');
  dirs.push(path.join(cargoHome, 'bin'));
  for (const dir of dirs) {
    const found = tryFile(path.join(dir, command));
    if (found) return found;
  }
  return null;
}

module.exports = { expandVariables, resolveCommand };
