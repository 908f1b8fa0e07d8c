'use strict';
// The editor-independent helpers behind extension.js, and extension.js's handling of a
// missing server binary with a stand-in for the `vscode` module.
// Run: node test/lib.test.js
// PLAYBOOK_EXTENSION_DIR=DIR runs the extension.js in DIR instead (build.sh: the one
// unpacked from the .vsix, to prove it loads with only the packaged node_modules).

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const Module = require('module');
const { foldingRanges } = require('../lib/folding');
const { expandVariables, resolveCommand } = require('../lib/server');

const EXTENSION_DIR = path.resolve(process.env.PLAYBOOK_EXTENSION_DIR || path.join(__dirname, '..'));

test('brace blocks fold, the closing line stays visible', () => {
  const text = [
    'rule r {', //         0
    '  give lottery {', // 1
    '    1% -> a', //      2
    '  }', //              3
    '}', //                4
  ].join('\n');
  assert.deepEqual(foldingRanges(text), [{ start: 0, end: 3 }, { start: 1, end: 2 }]);
});

test('full-width braces fold; braces in strings and comments do not count', () => {
  const text = [
    'rule r ｛', //                 0
    '  exclusive "}{" // } {', //  1
    '  on “｝” x', //               2
    '｝', //                        3
    'member { a: int }', //        4
  ].join('\r\n');
  assert.deepEqual(foldingRanges(text), [{ start: 0, end: 2 }]);
});

test('runs of comment lines and regions fold', () => {
  const text = ['// a', '// b', '// c', 'x', '// region', 'y', '// endregion'].join('\n');
  assert.deepEqual(foldingRanges(text), [
    { start: 0, end: 2, kind: 'comment' },
    { start: 4, end: 6, kind: 'region' },
  ]);
});

test('the server binary is found on PATH, by path, in cargo bin, or not at all', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'playbook-ext-'));
  try {
    const bin = path.join(dir, 'bin');
    const cargo = path.join(dir, 'cargo');
    fs.mkdirSync(bin);
    fs.mkdirSync(path.join(cargo, 'bin'), { recursive: true });
    const exe = path.join(bin, 'playbook');
    fs.writeFileSync(exe, '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'not-executable'), '', { mode: 0o644 });
    fs.writeFileSync(path.join(cargo, 'bin', 'from-cargo'), '#!/bin/sh\n', { mode: 0o755 });
    const env = { PATH: bin, CARGO_HOME: cargo };
    const platform = 'linux';

    assert.equal(resolveCommand('playbook', { env, platform }), exe);
    assert.equal(resolveCommand('bin/playbook', { cwd: dir, env, platform }), exe);
    assert.equal(resolveCommand(exe, { env, platform }), exe);
    assert.equal(resolveCommand('from-cargo', { env, platform }), path.join(cargo, 'bin', 'from-cargo'));
    assert.equal(resolveCommand('not-executable', { env, platform }), null);
    assert.equal(resolveCommand('missing', { env, platform }), null);
    assert.equal(resolveCommand('', { env, platform }), null);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('settings paths expand ${workspaceFolder}, ${userHome} and ~', () => {
  assert.equal(expandVariables('${workspaceFolder}/target/release/playbook', '/w'), '/w/target/release/playbook');
  assert.equal(expandVariables('~/bin/playbook'), path.join(os.homedir(), 'bin/playbook'));
  assert.equal(expandVariables('${userHome}/x'), `${os.homedir()}/x`);
  assert.equal(expandVariables('playbook'), 'playbook');
});

// A stand-in for the `vscode` module: records messages and settings reads, and
// answers everything else with harmless no-ops.
function fakeVscode(settings) {
  const messages = [];
  const disposable = { dispose() {} };
  const noop = () => disposable;
  const event = () => disposable;
  const api = {
    messages,
    window: {
      activeTextEditor: undefined,
      createOutputChannel: () => ({ appendLine() {}, append() {}, show() {}, dispose() {} }),
      showErrorMessage: (msg) => { messages.push(msg); return Promise.resolve(undefined); },
    },
    workspace: {
      workspaceFolders: undefined,
      getConfiguration: () => ({ get: (key) => settings[key] }),
      createFileSystemWatcher: () => ({ dispose() {}, onDidCreate: event, onDidChange: event, onDidDelete: event }),
      onDidChangeConfiguration: event,
    },
    languages: { registerFoldingRangeProvider: noop },
    commands: { registerCommand: noop, executeCommand: () => Promise.resolve() },
    FoldingRange: class {},
    FoldingRangeKind: { Comment: 1, Imports: 2, Region: 3 },
  };
  return new Proxy(api, {
    get: (target, key) => (key in target ? target[key] : new Proxy(function stub() {}, {
      get: () => noop,
      construct: () => ({}),
      apply: () => disposable,
    })),
  });
}

test('a missing server binary gives an error that names playbook.server.path', async () => {
  const vscode = fakeVscode({ 'server.path': 'no-such-playbook-binary', 'server.extraArgs': [], data: '' });
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
  };
  require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscode };
  try {
    const extension = require(path.join(EXTENSION_DIR, 'extension.js'));
    extension.activate({ subscriptions: [] });
    for (let i = 0; i < 50 && vscode.messages.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(vscode.messages.length, 1, `messages: ${JSON.stringify(vscode.messages)}`);
    assert.match(vscode.messages[0], /no-such-playbook-binary/);
    assert.match(vscode.messages[0], /"playbook\.server\.path"/);
    await extension.deactivate();
  } finally {
    Module._resolveFilename = resolve;
    delete require.cache.vscode;
  }
});
