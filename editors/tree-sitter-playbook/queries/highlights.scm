; Syntax highlighting for playbooks.
;
; Each node gets at most one capture: editors differ on which of two overlapping
; captures wins (the first in the file for the tree-sitter CLI and Helix, the last
; for Neovim), so a word that is a keyword in one place and a value in another is
; captured through its parent.

(comment) @comment

; ------------------------------------------------------------ literals

(string) @string

[
  (number)
  (integer)
  (signed_int)
  (percent)
  (zhe)
  (money)
  (duration)
] @number

[
  (date)
  (datetime)
  (time_of_day)
] @string.special

(boolean) @boolean

[
  (now)
  (today)
] @variable.builtin

[
  (weekday)
  (calendar_day)
  (split_mode)
  (refusal_reason)
  (nothing)
] @constant.builtin

; ------------------------------------------------------------ declarations and references

(event_decl
  name: (ident) @type)

(segment_decl
  name: (ident) @constant)

(reward_decl
  name: (ident) @constant)

(rule_decl
  name: (ident) @function)

(experiment_arm
  name: (ident) @constant)

(on_event
  event: (ident) @type)

(import_of
  event: (ident) @type)

(test_event
  event: (ident) @type)

(history_events
  kind: (ident) @type)

(history_events
  field: (ident) @property)

(history_granted
  rule: (ident) @function)

(for_group
  segment: (ident) @constant)

(reward_ref
  (ident) @constant)

(reward_names
  (ident) @constant)

(ledger_entry
  reward: (ident) @constant)

(ledger_entry
  rule: (ident) @function)

(expect_refused
  rule: (ident) @function)

; The members and groups of test blocks.
(test_member
  id: (ident) @variable)

(test_group
  id: (ident) @variable)

(test_event
  id: (ident) @variable)

(ledger_entry
  id: (ident) @variable)

(expect_gets
  id: (ident) @variable)

(expect_refused
  id: (ident) @variable)

; ------------------------------------------------------------ fields, types and values

(field_decl
  name: (ident) @property)

(field_value
  name: (ident) @property)

(import_entry
  field: (ident) @property)

(path
  field: (ident) @property)

(history_then
  field: (ident) @property)

(path
  name: (ident) @variable)

(type_expr
  name: (ident) @type.builtin)

(call
  function: (ident) @function.builtin)

(history_func) @function.builtin

; ------------------------------------------------------------ keywords

[
  "playbook"
  "timezone"
  "active"
  "seed"
  "quiet"
  "red_packet_limits"
  "per_member_daily"
  "red_packets"
  "point_value"
  "calendar"
  "renamed"
  "from"
  "retired"
  "per"
  "day"
  "week"
  "month"
  "use"
  "import"
  "member"
  "group"
  "event"
  "segment"
  "of"
  "top"
  "by"
  "where"
  "within"
  "granted"
  "reward"
  "coupon"
  "off"
  "over"
  "on"
  "valid"
  "red_packet"
  "split"
  "points"
  "gift"
  "worth"
  "lottery"
  "rest"
  "tier"
  "else"
  "experiment"
  "rule"
  "every"
  "at"
  "to"
  "cron"
  "during"
  "except"
  "holidays"
  "for"
  "when"
  "give"
  "once"
  "priority"
  "order"
  "test"
  "ledger"
  "expect"
  "gets"
  "refused"
  "because"
  "spend"
] @keyword

[
  (total)
  (direction)
  (joined_mark)
  (coupon_stackable)
  (granted_value)
] @keyword

; Words that are also a value or a function name elsewhere.
(set_budget
  "budget" @keyword)

(limit_clause
  "limit" @keyword)

(cap_clause
  "cap" @keyword)

(exclusive_clause
  "exclusive" @keyword)

(coupon_max
  "max" @keyword)

(for_group
  "in" @keyword)

[
  "and"
  "or"
] @keyword

(binary_expression
  [
    "not"
    "in"
  ] @keyword)

(unary_expression
  "not" @keyword)

(exists
  "exists" @keyword)

(negated) @keyword

; ------------------------------------------------------------ operators and punctuation

(binary_expression
  [
    "==" "＝＝" "=＝" "＝="
    "!=" "！＝" "!＝" "！="
    "<=" "＜＝" "<＝" "＜="
    ">=" "＞＝" ">＝" "＞="
    "<" "＜" ">" "＞"
    "??" "+" "-" "*" "/"
  ] @operator)

(compare_op) @operator

(unary_expression
  "-" @operator)

[
  "="
  "＝"
  "->"
] @operator

(optional_mark) @operator

(type_args
  [
    "<"
    "＜"
    ">"
    "＞"
  ] @punctuation.bracket)

[
  "("
  ")"
  "（"
  "）"
  "["
  "]"
  "［"
  "］"
  "{"
  "}"
  "｛"
  "｝"
] @punctuation.bracket

[
  ","
  "，"
  ":"
  "："
  "."
  ".."
] @punctuation.delimiter
