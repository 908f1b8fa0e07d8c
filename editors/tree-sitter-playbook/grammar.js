/**
 * Tree-sitter grammar for the playbook language.
 *
 * This mirrors `grammar/playbook.pest` rule for rule; the pest grammar is the
 * definition and this file follows it. `tests/grammars_agree.rs` parses every
 * playbook in the repository, tables of broken and tricky snippets, and mutants
 * of every declaration with both, and fails when they disagree. Where PEG and
 * LR(1) parsing differ, the choices made here are explained where they are
 * made; README.md lists what cannot agree.
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

// Expression precedence, tightest last (LANGUAGE.md §7.14): `or`; `and`; `not`;
// comparisons and `in`; `??`; `+ -`; `* /`; unary `-`; field access and calls.
const PREC = {
  or: 1,
  and: 2,
  not: 3,
  compare: 4,
  coalesce: 5,
  add: 6,
  mul: 7,
  neg: 8,
};

// Full-width punctuation, as Chinese input methods type it, reads as its ASCII
// counterpart (the pest grammar's `comma`, `colon`, … rules).
const comma = choice(',', '，');
const colon = choice(':', '：');
const lparen = choice('(', '（');
const rparen = choice(')', '）');
const lbrace = choice('{', '｛');
const rbrace = choice('}', '｝');
const lbracket = choice('[', '［');
const rbracket = choice(']', '］');
const equals = choice('=', '＝');
const less = choice('<', '＜');
const greater = choice('>', '＞');
// pest's `call_name = @{ ident ~ &lparen }` and `history_func`: the bracket must
// follow the name with nothing between, so it is a separate, immediate token.
const call_lparen = token.immediate(prec(1, choice('(', '（')));

// Each comparison spelling whole, as the pest grammar's `op_eq` … `op_gt`.
const op_eq = choice('==', '＝＝', '=＝', '＝=');
const op_ne = choice('!=', '！＝', '!＝', '！=');
const op_le = choice('<=', '＜＝', '<＝', '＜=');
const op_ge = choice('>=', '＞＝', '>＝', '＞=');

// Keywords that may still be names where both fit. Keywords that pest takes
// greedily (`stackable`, `nothing`) or keeps out of a name (`granted value`, the
// reward keywords before a reward reference) are deliberately not here.
const NAME_KEYWORDS = [
  'count', 'sum', 'min', 'max', 'first', 'last', 'granted',
  'over', 'on', 'valid', 'worth', 'joined', 'refused', 'spend', 'gets', 'top',
];

/**
 * A name: an identifier, or one of NAME_KEYWORDS but `except`.
 * @param {GrammarSymbols<string>} $
 * @param {...string} except
 */
function nameExcept($, ...except) {
  const words = NAME_KEYWORDS.filter(w => !except.includes(w));
  return choice($.ident, alias(choice(...words), $.ident));
}

/**
 * One or more `rule`, separated by commas.
 * @param {RuleOrLiteral} rule
 */
function commaSep1(rule) {
  return seq(rule, repeat(seq(comma, rule)));
}

module.exports = grammar({
  name: 'playbook',

  // The pest grammar's `WHITESPACE` and `COMMENT`; and what the playbook parser
  // skips after the last declaration, which is any Unicode whitespace.
  extras: $ => [/[ \t\r\n\u3000\uFEFF]/, $.comment, $._trailing_space],

  // Keywords are words: `kw_x = @{ "x" ~ !ident_char }` in pest. Tree-sitter reads a
  // word as a keyword only where the parser can use that keyword, so keywords are
  // contextual as in pest...
  word: $ => $.ident,

  // ...except the pest grammar's `reserved` words, which are never names.
  reserved: {
    global: _ => [
      'and', 'or', 'not', 'in', 'exists', 'true', 'false', 'now', 'today',
      'event', 'member', 'group', 'by', 'where', 'split', 'asc', 'desc',
      'else', 'rest', 'rule', 'segment', 'reward', 'playbook', 'test',
    ],
  },

  // Literals that start with a digit. pest reads them with ordered choice and
  // lookahead (`number = @{ digits ~ ("." ~ digits)? ~ !ident_char }`): `7days` is
  // no duration and no number. Tree-sitter's lexer has no lookahead, so
  // src/scanner.c reads them as pest does.
  externals: $ => [
    $.number,
    $.integer,
    $.signed_int,
    $.percent,
    $.zhe,
    $.duration,
    $.date,
    $.time_of_day,
    $.datetime,
    // Whitespace and comments from here to the end of the file, when they hold
    // Unicode whitespace beyond pest's `WHITESPACE` (a no-break space, say): the
    // playbook parser stops once only such trivia is left (`only_trivia`).
    $._trailing_space,
    // Never used by a rule: valid only during error recovery, so the scanner can
    // tell recovery (every token valid) from a real choice.
    $._error_sentinel,
  ],

  precedences: $ => [
    // A binary operator after the amount of `points EXPR` / `red_packet EXPR`
    // continues the amount, as pest's greedy `expr` does, even where the next tier
    // arm could start with it (`-x > 0 -> …`, a `tier by` arm's `>= V`).
    [$.binary_expression, 'reward_amount'],
  ],

  conflicts: $ => [
    // `max(a)`: an aggregate over the events `a` or a call of `max`; pest tries the
    // aggregate first, and so does the dynamic precedence on `history`.
    [$.history_func, $._name],
    // `joined` after a field's type: the `joined` mark, or the next field's name
    // when a colon follows (pest: `joined_mark = { kw_joined ~ !colon }`).
    [$.field_decl],
    // `not` after an amount: `not in` continuing it, or a tier arm's `not …`.
    [$._not_in_expression, $.points_reward],
    [$._not_in_expression, $.red_packet],
    // A coupon option or what follows the coupon (pest tries the option first and
    // keeps it only when its value follows).
    [$.coupon],
    [$.gift],
    // `expect refused gets …`: a target called `refused`.
    [$.expect_refused, $._name],
  ],

  rules: {
    source_file: $ => repeat($._item),

    _item: $ => choice(
      $.header,
      $.use_decl,
      $.import_decl,
      $.member_schema,
      $.group_schema,
      $.event_decl,
      $.segment_decl,
      $.reward_decl,
      $.rule_decl,
      $.test_decl,
    ),

    // ------------------------------------------------------------ lexical

    comment: _ => token(seq('//', /[^\r\n]*/)),

    ident: _ => /[_\p{XID_Start}][\p{XID_Continue}]*/,

    // A name where pest reads `ident`. The keywords in NAME_KEYWORDS can stand where a
    // name can: in pest a keyword rule fails there and the name is tried next, e.g.
    // `coupon ¥5 max …` and then a tier arm `max(a, b) > 1 -> …`. Tree-sitter reads
    // them as keywords wherever the keyword fits, so they are taken back as names.
    _name: $ => nameExcept($),

    // An event kind in an aggregate: pest tries `granted` first and keeps it, so
    // `count(granted.x)` is no aggregate over events called `granted`.
    _event_kind: $ => nameExcept($, 'granted'),

    money: _ => /[¥￥][0-9]+([,，][0-9]+)*(\.[0-9]+)?/,

    string: _ => token(choice(
      seq('"', repeat(choice(/[^"\\\r\n]/, /\\[\s\S]/)), '"'),
      seq('“', repeat(choice(/[^”\\\r\n]/, /\\[\s\S]/)), '”'),
    )),

    // ------------------------------------------------------------ header

    header: $ => seq('playbook', field('name', $.string), lbrace, repeat($._setting), rbrace),

    _setting: $ => choice(
      $.set_timezone,
      $.set_active,
      $.set_budget,
      $.set_seed,
      $.set_quiet,
      $.set_red_packet_limits,
      $.set_per_member_daily,
      $.set_point_value,
      $.set_calendar,
      $.renamed_from,
      $.set_retired,
    ),

    set_timezone: $ => seq('timezone', $.string),
    set_active: $ => seq('active', field('from', $.date), '..', field('to', $.date)),
    set_budget: $ => seq('budget', commaSep1($.budget_item)),
    budget_item: $ => seq($.money, choice($.per_period, $.total)),
    set_seed: $ => seq('seed', $.string),
    set_quiet: $ => seq('quiet', field('from', $.time_of_day), '..', field('to', $.time_of_day)),
    set_red_packet_limits: $ => seq('red_packet_limits', field('min', $.money), '..', field('max', $.money)),
    set_point_value: $ => seq('point_value', $.money),
    // `per_member_daily ¥1,000, 10 red_packets`: what the payout channel takes per
    // recipient a day, across rules.
    set_per_member_daily: $ => seq('per_member_daily', commaSep1($.channel_item)),
    channel_item: $ => choice($.money, seq($.integer, 'red_packets')),
    // `calendar "company.days"`: the company's own days on top of the official calendar.
    set_calendar: $ => seq('calendar', $.string),
    renamed_from: $ => seq('renamed', 'from', commaSep1($.string)),
    set_retired: $ => seq('retired', commaSep1($.string)),

    period: _ => choice('day', 'week', 'month'),
    per_period: $ => seq('per', $.period),
    total: _ => 'total',

    use_decl: $ => seq('use', field('path', $.string)),

    // `import member { "会员编号" -> id … }`: which column of a shop's export fills
    // which field, for `playbook import`; also `import group`, `import EVENT_KIND`.
    // `import` is no reserved word: it may still be a field's name.
    import_decl: $ => seq('import', $.import_of, lbrace, repeat($.import_entry), rbrace),
    import_of: $ => choice('member', 'group', field('event', $._name)),
    import_entry: $ => seq(field('column', $.string), '->', field('field', $._name), optional(comma)),

    // ------------------------------------------------------------ schemas and events

    member_schema: $ => seq('member', lbrace, repeat($.field_decl), rbrace),
    group_schema: $ => seq('group', lbrace, repeat($.field_decl), rbrace),
    event_decl: $ => seq('event', field('name', $._name), lbrace, repeat($.field_decl), rbrace),

    field_decl: $ => seq(
      field('name', $._name),
      colon,
      field('type', $.type_expr),
      optional($.joined_mark),
      optional(comma),
    ),
    joined_mark: _ => 'joined',
    type_expr: $ => seq(field('name', $._name), optional($.type_args), optional($.optional_mark)),
    type_args: $ => seq(less, $.type_expr, greater),
    optional_mark: _ => '?',

    // ------------------------------------------------------------ segments

    segment_decl: $ => seq(
      'segment',
      field('name', $._name),
      optional($.of_group),
      equals,
      field('body', choice($.top_n, $._expr)),
    ),
    of_group: _ => seq('of', 'group'),
    top_n: $ => seq('top', field('count', $.integer), 'by', field('key', $._expr), optional($.top_where)),
    top_where: $ => seq('where', $._expr),

    // ------------------------------------------------------------ rewards

    reward_decl: $ => seq('reward', field('name', $._name), equals, field('reward', $._reward)),

    _reward: $ => choice(
      $.coupon,
      $.red_packet,
      $.points_reward,
      $.gift,
      $.lottery,
      $.tier_by,
      $.tier,
      $.experiment,
      $.reward_ref,
    ),

    coupon: $ => seq(
      'coupon',
      field('value', choice($.money, $.percent_off, $.zhe)),
      repeat($._coupon_option),
    ),
    percent_off: $ => seq($.percent, 'off'),
    _coupon_option: $ => choice(
      $.coupon_over,
      $.coupon_max,
      $.coupon_scope,
      $.coupon_valid,
      $.coupon_stackable,
    ),
    coupon_over: $ => seq('over', $.money),
    coupon_max: $ => seq('max', $.money),
    coupon_scope: $ => seq('on', $.string),
    coupon_valid: $ => seq('valid', $.duration),
    coupon_stackable: _ => 'stackable',

    red_packet: $ => prec('reward_amount', seq('red_packet', field('amount', $._expr), optional($.split))),
    split: $ => seq('split', field('shares', $.integer), $.split_mode),
    split_mode: _ => choice('random', 'equal'),
    points_reward: $ => prec('reward_amount', seq('points', field('amount', $._expr))),
    gift: $ => seq('gift', field('name', $.string), optional($.gift_worth)),
    gift_worth: $ => seq('worth', $.money),

    // The catch-all arm goes last and once: pest's builder reports a `rest` or
    // `else` arm that is not last as a syntax error, so here it is the grammar.
    lottery: $ => seq('lottery', lbrace, repeat($.lottery_arm), optional($.rest_arm), rbrace),
    lottery_arm: $ => seq(field('chance', $.percent), '->', field('reward', $._reward)),
    rest_arm: $ => seq('rest', '->', field('reward', $._reward)),
    tier: $ => seq('tier', lbrace, repeat($.tier_arm), optional($.else_arm), rbrace),
    tier_arm: $ => seq(field('condition', $._expr), '->', field('reward', $._reward)),
    else_arm: $ => seq('else', '->', field('reward', $._reward)),
    tier_by: $ => seq(
      'tier', 'by', field('subject', $._expr),
      lbrace, repeat($.tier_by_arm), optional($.else_arm), rbrace,
    ),
    tier_by_arm: $ => seq(
      field('operator', $.compare_op),
      field('value', $._expr),
      '->',
      field('reward', $._reward),
    ),
    experiment: $ => seq('experiment', field('name', $.string), lbrace, repeat($.experiment_arm), rbrace),
    experiment_arm: $ => seq(
      field('name', $._name),
      field('share', $.percent),
      '->',
      field('reward', $._reward),
    ),
    // A reward keyword is never a reference: tree-sitter reads it as the keyword
    // wherever a reward can start, which is pest's `!(kw_coupon | …) ~ ident`.
    reward_ref: $ => $._name,

    // ------------------------------------------------------------ rules

    rule_decl: $ => seq('rule', field('name', $._name), lbrace, repeat($._rule_clause), rbrace),

    _rule_clause: $ => choice(
      $.renamed_from,
      $.on_event,
      $._schedule,
      $.during,
      $.for_group,
      $.when_clause,
      $.give_clause,
      $.limit_clause,
      $.cap_clause,
      $.priority_clause,
      $.exclusive_clause,
      $.order_clause,
    ),

    on_event: $ => seq('on', field('event', $._name), optional($.event_where)),
    event_where: $ => seq('where', $._expr),

    _schedule: $ => choice(
      $.every_day,
      $.every_weekdays,
      $.every_calendar_day,
      $.every_interval,
      $.every_month,
      $.once_at,
      $.cron,
    ),
    every_day: $ => seq('every', 'day', 'at', $.time_of_day),
    every_weekdays: $ => seq('every', commaSep1($.weekday), 'at', $.time_of_day),
    weekday: _ => choice('monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'),
    // `every workday at 10:00`, `every holiday at 10:00`: days of the working calendar.
    every_calendar_day: $ => seq('every', $.calendar_day, 'at', $.time_of_day),
    calendar_day: _ => choice('workday', 'holiday'),
    every_interval: $ => seq(
      'every', field('step', $.duration),
      'from', field('from', $.time_of_day),
      'to', field('to', $.time_of_day),
    ),
    every_month: $ => seq('every', 'month', 'on', field('day', $.integer), 'at', $.time_of_day),
    once_at: $ => seq('at', $.datetime),
    cron: $ => seq('cron', $.string),

    during: $ => seq(
      'during', field('from', $.date), '..', field('to', $.date),
      optional($.except_holidays),
    ),
    except_holidays: _ => seq('except', 'holidays'),
    for_group: $ => seq('for', 'group', 'in', field('segment', $._name)),
    when_clause: $ => seq('when', $._expr),
    give_clause: $ => seq('give', commaSep1($._reward)),
    limit_clause: $ => seq('limit', field('count', $.limit_count), $._limit_scope),
    limit_count: $ => choice('once', $.integer),
    _limit_scope: $ => choice(seq($.per_target, optional($.per_period)), $.per_period, $.total),
    per_target: _ => seq('per', choice('member', 'group')),
    cap_clause: $ => seq('cap', $.money, choice($.per_period, $.total)),
    priority_clause: $ => seq('priority', $.signed_int),
    exclusive_clause: $ => seq('exclusive', field('group', $.string), optional($.per_period)),
    order_clause: $ => seq('order', 'by', field('key', $._expr), optional($.direction)),
    direction: _ => choice('asc', 'desc'),

    // ------------------------------------------------------------ tests

    test_decl: $ => seq('test', field('name', $.string), lbrace, repeat($._test_item), rbrace),

    _test_item: $ => choice(
      $.test_at,
      $.test_member,
      $.test_group,
      $.test_event,
      $.test_ledger,
      $.expect_refused,
      $.expect_spend,
      $.expect_gets,
    ),
    test_at: $ => seq('at', $.datetime),
    test_member: $ => seq('member', field('id', $._target_id), $.record),
    test_group: $ => seq('group', field('id', $._target_id), $.record),
    test_event: $ => seq(
      'event', field('event', $._name),
      'by', field('id', $._target_id),
      'at', $.datetime,
      optional($.record),
    ),
    _target_id: $ => choice($._name, $.string),
    record: $ => seq(lbrace, optional(seq(commaSep1($.field_value), optional(comma))), rbrace),
    field_value: $ => seq(field('name', $._name), colon, field('value', $._expr)),
    test_ledger: $ => seq('ledger', lbrace, repeat($.ledger_entry), rbrace),
    ledger_entry: $ => seq(
      'granted', field('reward', $._name),
      'to', field('id', $._target_id),
      'by', field('rule', $._name),
      'at', $.datetime,
    ),
    expect_gets: $ => seq(
      'expect', field('id', $._target_id),
      optional($.negated),
      'gets',
      choice($.nothing, $.reward_names),
    ),
    negated: _ => 'not',
    nothing: _ => 'nothing',
    reward_names: $ => commaSep1($._name),
    expect_refused: $ => seq(
      'expect', 'refused', field('id', $._target_id),
      'by', field('rule', $._name),
      'because', $.refusal_reason,
    ),
    refusal_reason: _ => choice('budget', 'limit', 'cap', 'exclusive', 'channel'),
    expect_spend: $ => seq('expect', 'spend', $.money),

    // ------------------------------------------------------------ expressions
    // pest reads a flat `prefix* operand (infix prefix* operand)*` and its builder
    // applies precedence; here the tree has the precedence. Both accept the same
    // sequences.

    _expr: $ => choice(
      $.binary_expression,
      alias($._not_in_expression, $.binary_expression),
      $.unary_expression,
      $._operand,
    ),

    unary_expression: $ => choice(
      prec(PREC.not, seq(field('operator', 'not'), field('operand', $._expr))),
      prec(PREC.neg, seq(field('operator', '-'), field('operand', $._expr))),
    ),

    binary_expression: $ => {
      const table = [
        [PREC.or, 'or'],
        [PREC.and, 'and'],
        [PREC.compare, choice(op_eq, op_ne, op_le, op_ge, less, greater, 'in')],
        [PREC.coalesce, '??'],
        [PREC.add, choice('+', '-')],
        [PREC.mul, choice('*', '/')],
      ];
      return choice(...table.map(([p, op]) => prec.left(/** @type {number} */ (p), seq(
        field('left', $._expr),
        field('operator', /** @type {RuleOrLiteral} */ (op)),
        field('right', $._expr),
      ))));
    },

    // `a not in b`, a binary expression in the tree. It is a rule of its own so that
    // `not` after the amount of `points EXPR` stays open to both readings (the
    // `precedences` entry settles only the other operators).
    _not_in_expression: $ => prec.left(PREC.compare, seq(
      field('left', $._expr),
      field('operator', 'not'),
      field('operator', 'in'),
      field('right', $._expr),
    )),

    compare_op: _ => choice(op_eq, op_ne, op_le, op_ge, less, greater),

    _operand: $ => choice(
      $.paren,
      $.list,
      $.history,
      $.exists,
      $.call,
      $._literal,
      $.path,
    ),

    paren: $ => seq(lparen, $._expr, rparen),
    list: $ => seq(lbracket, optional(seq(commaSep1($._expr), optional(comma))), rbracket),
    exists: $ => seq('exists', $.path),
    call: $ => seq(
      field('function', $._name),
      call_lparen,
      optional(commaSep1(field('argument', $._expr))),
      rparen,
    ),

    // `count(order_paid where event.amount >= ¥300 within 30d)`; pest tries it
    // before a call, so it wins when both readings fit (`max(a)`).
    history: $ => prec.dynamic(1, seq(
      field('function', $.history_func),
      call_lparen,
      field('source', choice($.history_granted, $.history_events)),
      optional($.history_where),
      optional($.history_within),
      rparen,
      optional($.history_then),
    )),
    history_func: _ => choice('count', 'sum', 'min', 'max', 'first', 'last', 'exists'),
    history_events: $ => seq(field('kind', $._event_kind), optional(seq('.', field('field', $._name)))),
    history_granted: $ => seq('granted', optional(field('rule', $._name)), optional($.granted_value)),
    granted_value: _ => 'value',
    history_where: $ => seq('where', $._expr),
    history_within: $ => seq('within', $.duration),
    history_then: $ => seq('.', field('field', $._name)),

    // pest's `path` takes any number of `.field`s; its builder then accepts only a
    // bare name or `event.` / `member.` / `group.` with one field, and reports
    // the rest as syntax errors. Here that is the grammar.
    path: $ => choice(
      field('name', $._name),
      seq(field('scope', choice('event', 'member', 'group')), '.', field('field', $._name)),
    ),

    _literal: $ => choice(
      $.datetime,
      $.date,
      $.time_of_day,
      $.duration,
      $.money,
      $.percent,
      $.number,
      $.string,
      $.boolean,
      $.now,
      $.today,
    ),
    boolean: _ => choice('true', 'false'),
    now: _ => 'now',
    today: _ => 'today',
  },
});
