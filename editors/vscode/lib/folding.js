'use strict';
// Folding ranges for brace blocks, kept free of the `vscode` module so that
// `node test/lib.test.js` can check it without an editor.
//
// language-configuration.json can only fold by indentation or markers; a playbook's
// blocks are braces (ASCII or full-width, as Chinese input methods type them), and
// a brace inside a string or a comment must not count.

const OPEN = new Set(['{', '｛']);
const CLOSE = new Set(['}', '｝']);
const REGION_START = /^\s*\/\/\s*#?region\b/;
const REGION_END = /^\s*\/\/\s*#?endregion\b/;

/**
 * @param {string} text the whole document
 * @returns {{start: number, end: number, kind?: 'comment' | 'region'}[]} zero-based
 *   lines; `end` is the last line hidden, so a closing brace on its own line stays visible.
 */
function foldingRanges(text) {
  const lines = text.split(/\r\n|\r|\n/);
  const ranges = [];
  const braces = [];
  const regions = [];
  let commentRun = -1; // first line of a run of whole-line comments

  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    const trimmed = line.trim();

    if (REGION_START.test(line)) regions.push(n);
    else if (REGION_END.test(line) && regions.length) {
      ranges.push({ start: regions.pop(), end: n, kind: 'region' });
    }

    const wholeComment = trimmed.startsWith('//') && !REGION_START.test(line) && !REGION_END.test(line);
    if (wholeComment && commentRun < 0) commentRun = n;
    if (!wholeComment && commentRun >= 0) {
      if (n - 1 > commentRun) ranges.push({ start: commentRun, end: n - 1, kind: 'comment' });
      commentRun = -1;
    }

    // Strings never span lines (grammar/playbook.pest), so the state resets here.
    let quote = null;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quote) {
        if (c === '\\') i++;
        else if (c === quote) quote = null;
      } else if (c === '"') quote = '"';
      else if (c === '“') quote = '”';
      else if (c === '/' && line[i + 1] === '/') break;
      else if (OPEN.has(c)) braces.push(n);
      else if (CLOSE.has(c) && braces.length) {
        const start = braces.pop();
        // Only a block with a line between its braces has anything to hide.
        if (n - 1 > start) ranges.push({ start, end: n - 1 });
      }
    }
  }
  if (commentRun >= 0 && lines.length - 1 > commentRun) {
    ranges.push({ start: commentRun, end: lines.length - 1, kind: 'comment' });
  }
  return ranges.sort((a, b) => a.start - b.start || b.end - a.end);
}

module.exports = { foldingRanges };
