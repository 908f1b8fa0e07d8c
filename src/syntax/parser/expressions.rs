//! Expressions: pest gives a flat list of operands and operators, and precedence
//! climbing builds the tree (a run of one precedence level as one chain node),
//! with the nesting limit enforced on the way.

use pest::iterators::Pair;

use super::{Builder, R, children, internal, too_deep};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::MAX_NESTING;
use crate::syntax::ast::*;
use crate::syntax::grammar::{Rule, is_infix};

/// An operand or operator of a flat `expr`, before precedence is applied.
enum Tok<'i> {
    Prefix(UnaryOp, Span),
    Infix(BinaryOp, Span),
    Operand(Pair<'i, Rule>),
}

impl Builder<'_> {
    /// Builds an `expr` pair; `depth` counts enclosing expressions so that no input,
    /// however nested, can exhaust the stack.
    pub(super) fn expr(&mut self, pair: Pair<'_, Rule>, depth: usize) -> R<Expr> {
        let span = self.span(&pair);
        if depth > MAX_NESTING {
            return Err(too_deep(span));
        }
        let toks: Vec<Tok<'_>> = pair
            .into_inner()
            .map(|p| {
                let s = self.span(&p);
                match p.as_rule() {
                    Rule::op_not => Tok::Prefix(UnaryOp::Not, s),
                    Rule::op_neg => Tok::Prefix(UnaryOp::Neg, s),
                    r if is_infix(r) => Tok::Infix(infix_op(r), s),
                    _ => Tok::Operand(p),
                }
            })
            .collect();
        let mut pos = 0;
        let (expr, _) = self.climb(&toks, &mut pos, 0, depth)?;
        Ok(expr)
    }

    /// Precedence climbing over the flat token list; returns the tree and its height.
    /// A run of operators of one precedence level is one node (see
    /// [`ExprKind::Chain`]), built in a loop and one level high however long it is;
    /// comparisons nest to the left one at a time, as they always have.
    fn climb(
        &mut self,
        toks: &[Tok<'_>],
        pos: &mut usize,
        min_prec: u8,
        depth: usize,
    ) -> R<(Expr, usize)> {
        let (mut lhs, mut height) = self.unary(toks, pos, depth)?;
        while let Some(Tok::Infix(op, _)) = toks.get(*pos) {
            let prec = op.precedence();
            if prec < min_prec {
                break;
            }
            let mut rest = Vec::new();
            while let Some(Tok::Infix(op, op_span)) = toks.get(*pos) {
                if op.precedence() != prec || (!op.chains() && !rest.is_empty()) {
                    break;
                }
                *pos += 1;
                let (rhs, rh) = self.climb(toks, pos, prec + 1, depth + 1)?;
                height = height.max(rh);
                rest.push((Spanned::new(*op, *op_span), rhs));
            }
            height += 1;
            lhs = chain(lhs, rest);
            if height + depth > MAX_NESTING {
                return Err(too_deep(lhs.span));
            }
        }
        Ok((lhs, height))
    }

    fn unary(&mut self, toks: &[Tok<'_>], pos: &mut usize, depth: usize) -> R<(Expr, usize)> {
        if depth > MAX_NESTING {
            let span = match toks.get(*pos) {
                Some(Tok::Prefix(_, s) | Tok::Infix(_, s)) => *s,
                Some(Tok::Operand(p)) => self.span(p),
                None => Span::new(self.file, self.base, self.base),
            };
            return Err(too_deep(span));
        }
        match toks.get(*pos) {
            Some(Tok::Prefix(op, op_span)) => {
                *pos += 1;
                let min = if *op == UnaryOp::Not {
                    NOT_PRECEDENCE + 1
                } else {
                    NEG_PRECEDENCE
                };
                let (operand, h) = self.climb(toks, pos, min, depth + 1)?;
                let span = op_span.to(operand.span);
                Ok((
                    Spanned::new(
                        ExprKind::Unary {
                            op: *op,
                            operand: Box::new(operand),
                        },
                        span,
                    ),
                    h + 1,
                ))
            }
            Some(Tok::Operand(p)) => {
                *pos += 1;
                Ok((self.operand(p.clone(), depth)?, 1))
            }
            _ => Err(internal(self.file, self.base)),
        }
    }

    fn operand(&mut self, pair: Pair<'_, Rule>, depth: usize) -> R<Expr> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::paren => {
                let inner = children(pair)
                    .next()
                    .ok_or_else(|| internal(self.file, span.start))?;
                // Parentheses only group; the span widens to include them.
                return Ok(Spanned::new(self.expr(inner, depth + 1)?.node, span));
            }
            Rule::list => ExprKind::List(
                children(pair)
                    .map(|e| self.expr(e, depth + 1))
                    .collect::<R<_>>()?,
            ),
            Rule::exists => {
                let path = children(pair)
                    .next()
                    .ok_or_else(|| internal(self.file, span.start))?;
                ExprKind::Exists(Box::new(self.operand(path, depth + 1)?))
            }
            Rule::call => {
                let mut it = children(pair);
                let func = self.ident(it.next().ok_or_else(|| internal(self.file, span.start))?);
                let args = it.map(|a| self.expr(a, depth + 1)).collect::<R<_>>()?;
                ExprKind::Call { func, args }
            }
            Rule::path => return self.path(pair),
            Rule::history => ExprKind::History(Box::new(self.history(pair, depth)?)),
            _ => ExprKind::Literal(self.literal(&pair)),
        };
        Ok(Spanned::new(kind, span))
    }

    fn history(&mut self, pair: Pair<'_, Rule>, depth: usize) -> R<History> {
        let span = self.span(&pair);
        let mut it = children(pair);
        let func_pair = it.next().ok_or_else(|| internal(self.file, span.start))?;
        let func = self.spanned(
            &func_pair,
            Aggregate::by_name(func_pair.as_str()).unwrap_or(Aggregate::Count),
        );
        let source_pair = it.next().ok_or_else(|| internal(self.file, span.start))?;
        let source_span = self.span(&source_pair);
        let granted = source_pair.as_rule() == Rule::history_granted;
        let mut parts = children(source_pair);
        let source = if granted {
            let mut rule = None;
            let mut value = None;
            for part in parts {
                match part.as_rule() {
                    Rule::granted_value => value = Some(self.spanned(&part, ())),
                    _ => rule = Some(self.ident(part)),
                }
            }
            HistorySource::Granted {
                rule,
                value,
                written: Spanned::new((), source_span),
            }
        } else {
            let first = parts
                .next()
                .ok_or_else(|| internal(self.file, span.start))?;
            HistorySource::Events {
                kind: self.ident(first),
                field: parts.next().map(|f| self.ident(f)),
            }
        };
        let mut history = History {
            func,
            source,
            filter: None,
            within: None,
            then: None,
        };
        for part in it {
            match part.as_rule() {
                Rule::history_where => {
                    let e = children(part)
                        .next()
                        .ok_or_else(|| internal(self.file, span.start))?;
                    history.filter = Some(Box::new(self.expr(e, depth + 1)?));
                }
                Rule::history_within => {
                    let d = children(part)
                        .next()
                        .ok_or_else(|| internal(self.file, span.start))?;
                    history.within = Some(self.duration(&d));
                }
                _ => {
                    let f = children(part)
                        .next()
                        .ok_or_else(|| internal(self.file, span.start))?;
                    history.then = Some(self.ident(f));
                }
            }
        }
        Ok(history)
    }

    fn path(&mut self, pair: Pair<'_, Rule>) -> R<Expr> {
        let span = self.span(&pair);
        let mut it = pair.into_inner();
        let root = it.next().ok_or_else(|| internal(self.file, span.start))?;
        let fields: Vec<_> = it.collect();
        let root_text = root.as_str();
        let scope = match root_text {
            "event" => Some(Scope::Event),
            "member" => Some(Scope::Member),
            "group" => Some(Scope::Group),
            _ => None,
        };
        match (scope, fields.as_slice()) {
            (None, []) => Ok(Spanned::new(ExprKind::Name(root_text.to_string()), span)),
            (Some(scope), [field]) => Ok(Spanned::new(
                ExprKind::Field {
                    scope: self.spanned(&root, scope),
                    field: self.ident(field.clone()),
                },
                span,
            )),
            (Some(scope), []) => Err(Diagnostic::new(
                Code::Syntax,
                span,
                format!("`{}` needs a field", scope.keyword()),
            )
            .label("a field name must follow")
            .help(format!("write `{}.FIELD`", scope.keyword()))),
            _ => Err(Diagnostic::new(
                Code::Syntax,
                span,
                format!("`{}` has no fields", pair_text(&root, &fields)),
            )
            .label("only `event.`, `member.` and `group.` take a field")
            .help("segments and fields are used by their bare name")),
        }
    }

    fn literal(&mut self, pair: &Pair<'_, Rule>) -> Literal {
        match pair.as_rule() {
            Rule::datetime => Literal::DateTime(self.datetime(pair).node),
            Rule::date => Literal::Date(self.date(pair).node),
            Rule::time_of_day => Literal::Time(self.time(pair).node),
            Rule::duration => Literal::Duration(self.duration(pair).node),
            Rule::money => Literal::Money(self.money(pair).node),
            Rule::percent => Literal::Percent(self.percent(pair).node),
            Rule::number => self.number(pair),
            Rule::string => Literal::Text(self.string(pair.clone()).node),
            Rule::lit_true => Literal::Bool(true),
            Rule::lit_false => Literal::Bool(false),
            Rule::lit_now => Literal::Now,
            _ => Literal::Today,
        }
    }

    fn number(&mut self, pair: &Pair<'_, Rule>) -> Literal {
        let text = pair.as_str();
        if text.contains('.') {
            let d = self.lit(
                pair,
                |t| {
                    t.parse::<rust_decimal::Decimal>()
                        .map_err(|_| format!("`{t}` is too large"))
                },
                Default::default(),
            );
            Literal::Decimal(d.node)
        } else {
            Literal::Int(
                self.lit(
                    pair,
                    |t| t.parse::<i64>().map_err(|_| format!("`{t}` is too large")),
                    0,
                )
                .node,
            )
        }
    }
}

fn pair_text(root: &Pair<'_, Rule>, fields: &[Pair<'_, Rule>]) -> String {
    std::iter::once(root.as_str())
        .chain(fields.iter().map(|f| f.as_str()))
        .collect::<Vec<_>>()
        .join(".")
}

/// `first` followed by a run of operators: a `Binary` for one, a `Chain` for more.
fn chain(first: Expr, mut rest: Vec<(Spanned<BinaryOp>, Expr)>) -> Expr {
    let span = rest
        .last()
        .map_or(first.span, |(_, e)| first.span.to(e.span));
    let kind = match rest.pop() {
        Some((op, rhs)) if rest.is_empty() => ExprKind::Binary {
            op,
            lhs: Box::new(first),
            rhs: Box::new(rhs),
        },
        Some(last) => {
            rest.push(last);
            ExprKind::Chain {
                first: Box::new(first),
                rest,
            }
        }
        None => return first,
    };
    Spanned::new(kind, span)
}

/// The operator an infix rule stands for.
pub(super) fn infix_op(rule: Rule) -> BinaryOp {
    match rule {
        Rule::op_or => BinaryOp::Or,
        Rule::op_and => BinaryOp::And,
        Rule::op_in => BinaryOp::In,
        Rule::op_not_in => BinaryOp::NotIn,
        Rule::op_coalesce => BinaryOp::Coalesce,
        Rule::op_eq => BinaryOp::Eq,
        Rule::op_ne => BinaryOp::Ne,
        Rule::op_le => BinaryOp::Le,
        Rule::op_ge => BinaryOp::Ge,
        Rule::op_lt => BinaryOp::Lt,
        Rule::op_gt => BinaryOp::Gt,
        Rule::op_add => BinaryOp::Add,
        Rule::op_sub => BinaryOp::Sub,
        Rule::op_mul => BinaryOp::Mul,
        _ => BinaryOp::Div,
    }
}
