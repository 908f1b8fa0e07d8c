'use strict';
// Checks syntaxes/playbook.tmLanguage.json with the engine VS Code itself uses
// (vscode-textmate + the oniguruma wasm), without VS Code:
//   - every *.playbook file in the repository is tokenized, every scope class below
//     shows up somewhere, and no visible character is left with only the root scope;
//   - every keyword of grammar/playbook.pest gets a keyword scope, so the two cannot
//     drift apart silently;
//   - hand-written cases pin the tokens that matter most.
// Run: node test/grammar.test.js

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const EXT_DIR = path.resolve(__dirname, '..');
const REPO_ROOT = path.resolve(EXT_DIR, '..', '..');
const GRAMMAR_PATH = path.join(EXT_DIR, 'syntaxes', 'playbook.tmLanguage.json');
const PEST_PATH = path.join(REPO_ROOT, 'grammar', 'playbook.pest');
const ROOT_SCOPE = 'source.playbook';

// Build output and dependencies anywhere; the fuzzer's corpora at the root hold
// arbitrary bytes (tests/fixtures/fuzz holds real playbooks and is walked).
const SKIP_ANYWHERE = new Set(['target', 'node_modules', '.git']);
const SKIP_AT_ROOT = new Set(['fuzz']);

// Scope classes the repository's files must exercise: a class is met by a scope equal
// to one of its prefixes or starting with it followed by a dot.
const SCOPE_CLASSES = {
  comment: ['comment.line.double-slash'],
  string: ['string.quoted'],
  money: ['constant.numeric.money'],
  percent: ['constant.numeric.percent'],
  discount: ['constant.numeric.discount'],
  duration: ['constant.numeric.duration'],
  date: ['constant.numeric.date'],
  datetime: ['constant.numeric.datetime'],
  time: ['constant.numeric.time'],
  number: ['constant.numeric.integer', 'constant.numeric.decimal'],
  'keyword.declaration': ['keyword.declaration'],
  'keyword.control/clause': ['keyword.control.clause'],
  'keyword.control.setting': ['keyword.control.setting'],
  'keyword.control.test': ['keyword.control.test'],
  'keyword.other': ['keyword.other'],
  operator: ['keyword.operator'],
  constant: ['constant.language'],
  'entity.name': ['entity.name'],
  'support.type': ['support.type'],
  'support.function': ['support.function'],
  'variable/property': ['variable.other.property', 'variable.language'],
  variable: ['variable.other'],
  punctuation: ['punctuation'],
};

function inClass(scope, prefixes) {
  return prefixes.some((p) => scope === p || scope.startsWith(p + '.'));
}

let grammarPromise;
function loadGrammar() {
  if (!grammarPromise) {
    const wasm = fs.readFileSync(path.join(path.dirname(require.resolve('vscode-oniguruma')), 'onig.wasm'));
    const onigLib = oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength)).then(() => ({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }));
    const registry = new vsctm.Registry({
      onigLib,
      loadGrammar: async (scopeName) =>
        scopeName === ROOT_SCOPE ? vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR_PATH, 'utf8'), GRAMMAR_PATH) : null,
    });
    grammarPromise = registry.loadGrammar(ROOT_SCOPE);
  }
  return grammarPromise;
}

/** Tokens of a whole text, line by line as the editor does: [{line, col, text, scopes}]. */
async function tokenize(text) {
  const grammar = await loadGrammar();
  const out = [];
  let stack = vsctm.INITIAL;
  // The language accepts \n, \r\n and a lone \r (docs/LANGUAGE.md §2).
  text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/).forEach((line, i) => {
    const r = grammar.tokenizeLine(line, stack);
    for (const t of r.tokens) {
      out.push({ line: i + 1, col: t.startIndex + 1, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    }
    stack = r.ruleStack;
  });
  return out;
}

function playbookFiles(dir = REPO_ROOT, atRoot = true) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (SKIP_ANYWHERE.has(entry.name) || (atRoot && SKIP_AT_ROOT.has(entry.name))) continue;
      found.push(...playbookFiles(path.join(dir, entry.name), false));
    } else if (entry.isFile() && entry.name.endsWith('.playbook')) {
      found.push(path.join(dir, entry.name));
    }
  }
  return found.sort();
}

const isBlank = (s) => /^\s*$/u.test(s); // \s covers U+3000 and U+FEFF, both whitespace to pest

/** The single token whose text is exactly `text` (the first such). */
async function token(line, text) {
  const toks = await tokenize(line);
  const t = toks.find((x) => x.text === text);
  assert.ok(t, `no token ${JSON.stringify(text)} in ${JSON.stringify(line)}; tokens: ${toks.map((x) => JSON.stringify(x.text)).join(' ')}`);
  return t;
}

async function assertScope(line, text, prefix) {
  const t = await token(line, text);
  assert.ok(
    t.scopes.some((s) => inClass(s, [prefix])),
    `${JSON.stringify(text)} in ${JSON.stringify(line)} has scopes ${t.scopes.join(' ')}, expected ${prefix}`,
  );
}

// ---------------------------------------------------------------- the repository's files

test('the repository has playbook files to tokenize', () => {
  const files = playbookFiles();
  assert.ok(files.length >= 10, `found only ${files.length} .playbook files under ${REPO_ROOT}`);
});

test('every scope class appears, no visible text is left unscoped or invalid', async () => {
  const files = playbookFiles();
  const seen = Object.fromEntries(Object.keys(SCOPE_CLASSES).map((k) => [k, 0]));
  const unscoped = [];
  const invalid = [];
  let lines = 0;
  let tokens = 0;
  for (const file of files) {
    const rel = path.relative(REPO_ROOT, file);
    const toks = await tokenize(fs.readFileSync(file, 'utf8'));
    lines += toks.length ? toks[toks.length - 1].line : 0;
    for (const t of toks) {
      tokens++;
      if (isBlank(t.text)) continue;
      if (t.scopes.length === 1 && t.scopes[0] === ROOT_SCOPE) {
        // Point at the first visible character: the token may start with spaces.
        const col = t.col + t.text.length - t.text.trimStart().length;
        unscoped.push(`${rel}:${t.line}:${col}: ${JSON.stringify(t.text.trim())}`);
      }
      if (t.scopes.some((s) => s.startsWith('invalid.'))) {
        invalid.push(`${rel}:${t.line}:${t.col}: ${JSON.stringify(t.text)} (${t.scopes.join(' ')})`);
      }
      for (const [name, prefixes] of Object.entries(SCOPE_CLASSES)) {
        if (t.scopes.some((s) => inClass(s, prefixes))) seen[name]++;
      }
    }
  }
  console.log(`# ${files.length} files, ${lines} lines, ${tokens} tokens`);
  console.log(`# tokens per scope class: ${Object.entries(seen).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  assert.deepEqual(unscoped, [], `text with only the ${ROOT_SCOPE} scope:\n${unscoped.join('\n')}`);
  assert.deepEqual(invalid, [], `text scoped invalid:\n${invalid.join('\n')}`);
  const missing = Object.keys(seen).filter((k) => seen[k] === 0);
  assert.deepEqual(missing, [], `scope classes never produced: ${missing.join(', ')}`);
});

// ---------------------------------------------------------------- against the pest grammar

function pestWords() {
  const pest = fs.readFileSync(PEST_PATH, 'utf8');
  const rule = (name) => {
    const m = new RegExp(`^${name}\\s*=\\s*@\\{(.*)\\}\\s*$`, 'm').exec(pest);
    assert.ok(m, `rule ${name} not found in grammar/playbook.pest`);
    return [...m[1].matchAll(/"([a-z_]+)"/g)].map((x) => x[1]);
  };
  const keywords = [...pest.matchAll(/^kw_\w+\s*=\s*@\{\s*"([a-z_]+)"/gm)].map((m) => m[1]);
  return {
    keywords,
    weekdays: rule('weekday'),
    calendarDays: rule('calendar_day'),
    reasons: rule('refusal_reason'),
    constants: ['lit_true', 'lit_false', 'lit_now', 'lit_today'].flatMap(rule),
    historyFuncs: rule('history_func'),
  };
}

test('every kw_* keyword of grammar/playbook.pest is scoped as a keyword', async () => {
  const { keywords, reasons } = pestWords();
  assert.ok(keywords.length >= 70, `only ${keywords.length} kw_* rules found`);
  const wrong = [];
  for (const word of [...keywords, ...reasons]) {
    const toks = (await tokenize(word)).filter((t) => !isBlank(t.text));
    if (toks.length !== 1 || toks[0].text !== word || !toks[0].scopes.some((s) => s.startsWith('keyword.'))) {
      wrong.push(`${word}: ${toks.map((t) => `${JSON.stringify(t.text)} ${t.scopes.join(' ')}`).join(' | ')}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('weekdays, literals and history functions of the pest grammar are scoped', async () => {
  const { weekdays, calendarDays, constants, historyFuncs } = pestWords();
  for (const w of weekdays) await assertScope(`every ${w} at 10:00`, w, 'support.constant.weekday');
  assert.ok(calendarDays.length >= 2, `calendar_day has ${calendarDays.length} words`);
  for (const d of calendarDays) await assertScope(`every ${d} at 10:00`, d, 'support.constant.calendar-day');
  for (const c of constants) await assertScope(`when x == ${c}`, c, 'constant.language');
  for (const f of historyFuncs) await assertScope(`when ${f}(order_paid) > 0`, f, 'support.function');
});

// ---------------------------------------------------------------- hand-written cases

test('money is one token, both yen signs, full-width comma', async () => {
  await assertScope('budget ¥1,000 total', '¥1,000', 'constant.numeric.money');
  await assertScope('budget ¥50,000 total, ¥3,000 per day', '¥3,000', 'constant.numeric.money');
  await assertScope('point_value ￥5', '￥5', 'constant.numeric.money');
  await assertScope('give red_packet ¥1，000.50', '¥1，000.50', 'constant.numeric.money');
  await assertScope('budget ¥50,000 total, ¥3,000 per day', ',', 'punctuation.separator.comma');
});

test('percent, 折 discounts, durations, numbers', async () => {
  await assertScope('coupon 30% off max ¥100', '30%', 'constant.numeric.percent');
  await assertScope('coupon 30％ off', '30％', 'constant.numeric.percent');
  await assertScope('coupon 5折 max ¥100', '5折', 'constant.numeric.discount');
  await assertScope('coupon 8.5折', '8.5折', 'constant.numeric.discount');
  await assertScope('valid 7d', '7d', 'constant.numeric.duration');
  await assertScope('every 2h from 09:00 to 21:00', '2h', 'constant.numeric.duration');
  await assertScope('when orders >= 5', '5', 'constant.numeric.integer');
  await assertScope('when x >= 0.2', '0.2', 'constant.numeric.decimal');
  await assertScope('priority -5', 'priority', 'keyword.control.clause');
  await assertScope('priority -5', '-', 'keyword.operator.arithmetic');
});

test('dates, date-times and times of day', async () => {
  await assertScope('at 2026-04-20 10:00', '2026-04-20 10:00', 'constant.numeric.datetime');
  await assertScope('at 2026-04-20 10:00:30', '2026-04-20 10:00:30', 'constant.numeric.datetime');
  await assertScope('active 2026-04-18 .. 2026-05-31', '2026-05-31', 'constant.numeric.date');
  await assertScope('active 2026-04-18..2026-05-31', '..', 'keyword.operator.range');
  await assertScope('quiet 22:00..8:00', '8:00', 'constant.numeric.time');
  await assertScope('every day at 10：00', '10：00', 'constant.numeric.time');
});

test('comments run to the end of the line, strings hold `//`', async () => {
  const toks = await tokenize('segment a = orders >= 5 // why "five" ¥5');
  const i = toks.findIndex((t) => t.text === '//');
  assert.ok(i > 0, 'no `//` token');
  assert.ok(toks[i].scopes.includes('punctuation.definition.comment.playbook'));
  for (const t of toks.slice(i)) assert.ok(t.scopes.includes('comment.line.double-slash.playbook'), JSON.stringify(t));
  assert.equal(toks[toks.length - 1].text, ' why "five" ¥5');
  await assertScope('seed "http://not-a-comment" // c', 'http://not-a-comment', 'string.quoted.double');
  await assertScope('seed "a\\"b"', '\\"', 'constant.character.escape');
  await assertScope('coupon ¥5 on “会员专区”', '会员专区', 'string.quoted.other');
});

test('declared names after declaration keywords are entity names', async () => {
  await assertScope('rule 打卡红包 {', '打卡红包', 'entity.name.function.rule');
  await assertScope('rule 打卡红包 {', 'rule', 'keyword.declaration');
  await assertScope('segment 忠诚老客 = orders >= 5', '忠诚老客', 'entity.name.type.segment');
  await assertScope('segment 低活跃群 of group = size < 50', 'group', 'keyword.other.modifier');
  await assertScope('reward 满300减20 = coupon ¥20 over ¥300', '满300减20', 'entity.name.type.reward');
  await assertScope('event check_in { streak: int }', 'check_in', 'entity.name.type.event');
  await assertScope('member {', 'member', 'keyword.declaration');
  await assertScope('  on check_in where event.streak >= 7', 'check_in', 'entity.name.type.event');
  await assertScope('  event order_paid by b1 at 2026-05-12 19:00 { amount: ¥329 }', 'event', 'keyword.control.test');
  await assertScope('  member m1 { orders: 0 }', 'm1', 'entity.name.variable.target');
});

test('identifiers with digits stay one name', async () => {
  const toks = (await tokenize('give 满300减20, 无门槛10')).filter((t) => !isBlank(t.text));
  assert.deepEqual(toks.map((t) => t.text), ['give', '满300减20', ',', '无门槛10']);
  assert.ok(toks[1].scopes.includes('variable.other.playbook'));
});

test('member access, fields and types', async () => {
  await assertScope('when event.streak >= 7', 'event', 'variable.language');
  await assertScope('when event.streak >= 7', '.', 'punctuation.accessor');
  await assertScope('when event.streak >= 7', 'streak', 'variable.other.property');
  await assertScope('when (first(order_paid).at ?? now) < today', 'at', 'variable.other.property');
  await assertScope('when (first(order_paid).at ?? now) < today', '??', 'keyword.operator.coalesce');
  await assertScope('  points: int', 'points', 'variable.other.property');
  await assertScope('  points: int', 'int', 'support.type.primitive');
  await assertScope('  tags: set<text>', 'text', 'support.type.primitive');
  await assertScope('  last_order_at: time?', '?', 'keyword.operator.optional');
  await assertScope('  joined_at: time joined', 'joined', 'keyword.other.modifier');
  await assertScope('member{orders:int, spend_365d : money}', 'spend_365d', 'variable.other.property');
});

test('keywords the grammar does not reserve read as names where they are names', async () => {
  await assertScope('  give points 10', 'points', 'keyword.other.reward');
  await assertScope('  when points >= 100', 'points', 'variable.other');
  await assertScope('  order by points desc', 'points', 'variable.other');
  await assertScope('  give red_packet clamp(event.streak * ¥0.2, ¥1, ¥5)', 'clamp', 'support.function.builtin');
  await assertScope('  coupon 30% off max ¥100', 'max', 'keyword.other.modifier');
  await assertScope('  when max(a, b) > 1', 'max', 'support.function.builtin');
  await assertScope('  when exists x and(x < now)', 'and', 'keyword.operator.logical');
  await assertScope('  when exists x and(x < now)', 'exists', 'keyword.operator.word');
  await assertScope('  limit 1 per member per day', 'member', 'keyword.other.modifier');
  await assertScope('  red_packet_limits ¥1 .. ¥200', 'red_packet_limits', 'keyword.control.setting');
});

test('the working calendar and the channel limits', async () => {
  await assertScope('  per_member_daily ¥1,000, 10 red_packets', 'per_member_daily', 'keyword.control.setting');
  await assertScope('  per_member_daily ¥1,000, 10 red_packets', '10', 'constant.numeric.integer');
  await assertScope('  per_member_daily ¥1,000, 10 red_packets', 'red_packets', 'keyword.other.modifier');
  await assertScope('  calendar "company.calendar"', 'calendar', 'keyword.control.setting');
  await assertScope('  every workday at 10:00', 'every', 'keyword.control.clause');
  await assertScope('  every holiday at 10:00', 'holiday', 'support.constant.calendar-day');
  await assertScope('  during 2026-05-01 .. 2026-05-31 except holidays', 'except', 'keyword.control.clause');
  await assertScope('  during 2026-05-01 .. 2026-05-31 except holidays', 'holidays', 'keyword.other.modifier');
  await assertScope('  when workday(today) and not holiday(event.at)', 'workday', 'support.function.builtin');
  await assertScope('  when workday(today) and not holiday(event.at)', 'holiday', 'support.function.builtin');
  await assertScope('  expect refused m1 by r because channel', 'channel', 'keyword.control.test.reason');
  await assertScope('  expect refused m1 by r because channel // why', 'channel', 'keyword.control.test.reason');
  // None of them is reserved: where they are names, they read as names.
  await assertScope('  when channel in ["门店"]', 'channel', 'variable.other');
  await assertScope('  when workday == 1', 'workday', 'variable.other');
  await assertScope('  when holidays > 3 and calendar != ""', 'holidays', 'variable.other');
  await assertScope('  when holidays > 3 and calendar != ""', 'calendar', 'variable.other');
  await assertScope('  order by calendar', 'calendar', 'variable.other');
  await assertScope('  channel: text', 'channel', 'variable.other.property');
});

test('import blocks: the kind, the column, the arrow and the field', async () => {
  const line = 'import order_paid { "订单号" -> id, "付款时间" -> at }';
  await assertScope(line, 'import', 'keyword.declaration');
  await assertScope(line, 'order_paid', 'entity.name.type.event');
  await assertScope(line, '订单号', 'string.quoted.double');
  await assertScope(line, '->', 'keyword.operator.arrow');
  await assertScope(line, 'id', 'variable.other.property');
  await assertScope(line, ',', 'punctuation.separator.comma');
  // A keyword after the arrow is a field: `at`, `points`, `count`.
  await assertScope(line, 'at', 'variable.other.property');
  const block = 'import member {\n  "会员编号" -> id // 主键\n  "积分" -> points\n}\nrule r { give points 1 }';
  await assertScope(block, 'member', 'keyword.declaration');
  await assertScope(block, 'points', 'variable.other.property');
  await assertScope(block, '//', 'comment.line.double-slash');
  // After the block, scopes are as before it.
  await assertScope(block, 'rule', 'keyword.declaration');
  await assertScope('import member {\n}\n  give points 1', 'points', 'keyword.other.reward');
  await assertScope('import group ｛ “群号” -> id， "人数" -> size ｝', 'group', 'keyword.declaration');
  await assertScope('import group ｛ “群号” -> id， "人数" -> size ｝', '群号', 'string.quoted.other');
  await assertScope('import group ｛ “群号” -> id， "人数" -> size ｝', 'size', 'variable.other.property');
  await assertScope('import group ｛ “群号” -> id， "人数" -> size ｝', '｝', 'punctuation.section.block.end');
  await assertScope('import 打卡\n{ "时间" -> at }', '打卡', 'entity.name.type.event');
  await assertScope('import 打卡 // 签到\n{ "时间" -> at }', 'at', 'variable.other.property');
  await assertScope('import 打卡 // 签到\n{ "时间" -> at }', '{', 'punctuation.section.block.begin');
  // `import` is not reserved: where it is a name, it reads as a name.
  await assertScope('import import { "a" -> import }', 'import', 'keyword.declaration');
  await assertScope('  import: int', 'import', 'variable.other.property');
  await assertScope('  when import > 1', 'import', 'variable.other');
  await assertScope('  order by import desc', 'import', 'variable.other');
  await assertScope('  when event.import > 1', 'import', 'variable.other.property');
  await assertScope('event import { at: time }', 'import', 'entity.name.type.event');
});

test('full-width punctuation reads as its ASCII twin', async () => {
  const line = 'segment 老客 ＝ （orders ＞= 2） and tags：［］';
  await assertScope(line, '＝', 'keyword.operator.assignment');
  await assertScope(line, '（', 'punctuation.section.parens.begin');
  await assertScope(line, '＞=', 'keyword.operator.comparison');
  await assertScope(line, '：', 'punctuation.separator.key-value');
  await assertScope(line, '［', 'punctuation.section.brackets.begin');
  await assertScope('rule r ｛', '｛', 'punctuation.section.block.begin');
  await assertScope('when a ！＝ b', '！＝', 'keyword.operator.comparison');
  await assertScope('when a 。', '。', 'invalid.illegal');
});
