//! The picture itself: the title block, then the three panels, each a plotters
//! chart with its legend in a column on the right.

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{ChartError, MAX_RULES, Panels, fit, plural, stacked, ticks, yuan};
use crate::app::simulate::Forecast;
use crate::interpret::grant::Reason;
use crate::money::FenSum;

/// Width of the picture, in pixels.
pub const WIDTH: u32 = 1000;
/// Height of the picture, in pixels.
pub const HEIGHT: u32 = 1120;

/// The fonts text asks for, first found wins: common Chinese fonts of macOS,
/// Windows and Linux, then any sans-serif.
pub(super) const FONTS: &str = "PingFang SC, Hiragino Sans GB, Microsoft YaHei, Noto Sans CJK SC, \
                     Source Han Sans SC, WenQuanYi Micro Hei, sans-serif";

/// Height of the title block.
const HEADER: u32 = 76;
/// Width of the legend column right of each panel.
const LEGEND: u32 = 250;

/// Rule colours, in declaration order (no red: red marks the budget).
const RULE_COLORS: [RGBColor; MAX_RULES] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xb0, 0x7a, 0xa1),
    RGBColor(0x76, 0xb7, 0xb2),
    RGBColor(0xed, 0xc9, 0x48),
    RGBColor(0x9c, 0x75, 0x5f),
    RGBColor(0xff, 0x9d, 0xa7),
    RGBColor(0x1f, 0x3b, 0x5c),
];
const OTHER_RULES: RGBColor = RGBColor(0xba, 0xb0, 0xac);
const SPEND: RGBColor = RGBColor(0x4e, 0x79, 0xa7);
const BUDGET: RGBColor = RGBColor(0x44, 0x44, 0x44);
const ALARM: RGBColor = RGBColor(0xd6, 0x27, 0x28);
const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
const GREY: RGBColor = RGBColor(0x66, 0x66, 0x66);

/// The colour of a refusal reason's bars.
fn reason_color(reason: Reason) -> RGBColor {
    match reason {
        Reason::Limit => RGBColor(0x4e, 0x79, 0xa7),
        Reason::Exclusive => RGBColor(0xb0, 0x7a, 0xa1),
        Reason::Channel => RGBColor(0x59, 0xa1, 0x4f),
        Reason::Cap => RGBColor(0xf2, 0x8e, 0x2b),
        Reason::Budget => ALARM,
        Reason::Error => RGBColor(0x55, 0x55, 0x55),
    }
}

fn failed(e: impl std::fmt::Display) -> ChartError {
    ChartError(e.to_string())
}

/// Draws the forecast's picture, titled `title`, into `svg`.
pub(super) fn picture(
    svg: &mut String,
    forecast: &Forecast,
    panels: &Panels,
    title: &str,
) -> Result<(), ChartError> {
    let root = SVGBackend::with_string(svg, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE).map_err(failed)?;
    let (header, body) = root.split_vertically(HEADER);
    draw_header(&header, forecast, title)?;
    let rows = body.split_evenly((3, 1));
    let [top, middle, bottom] = rows.as_slice() else {
        return Err(ChartError("the picture did not split in three".to_owned()));
    };
    draw_budget_panel(top, panels)?;
    draw_rules_panel(middle, panels)?;
    draw_refusals_panel(bottom, panels)?;
    root.present().map_err(failed)
}

/// An axis value in yuan as the rest of the program shows money: `¥12,000`.
fn money_label(yuan: &f64) -> String {
    FenSum((yuan * 100.0).round() as i128).to_string()
}

/// Text of `px` pixels (plotters writes a size of `s` as `s / 1.24` pixels).
fn text(px: f64, color: &RGBColor) -> TextStyle<'static> {
    (FontFamily::Name(FONTS), px * 1.24)
        .into_font()
        .color(color)
}

fn bold(px: f64, color: &RGBColor) -> TextStyle<'static> {
    (FontFamily::Name(FONTS), px * 1.24, FontStyle::Bold)
        .into_font()
        .color(color)
}

/// The title and a line of totals.
fn draw_header(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    f: &Forecast,
    title: &str,
) -> Result<(), ChartError> {
    area.draw(&Text::new(title, (24, 18), bold(20.0, &INK)))
        .map_err(failed)?;
    let (grants, spend) = f.total();
    let refused: u64 = f
        .days
        .iter()
        .map(|(_, d)| d.refusals.values().sum::<u64>())
        .sum();
    let mut budgets = Vec::new();
    if let Some(total) = f.budget_total {
        budgets.push(format!("budget {total} total"));
    }
    if let Some(per_day) = f.budget_per_day {
        budgets.push(format!("{per_day} per day"));
    }
    let budgets = if budgets.is_empty() {
        "no budget".to_owned()
    } else {
        budgets.join(", ")
    };
    let line = format!(
        "{}, {spend} spent, {} refused · {budgets}",
        plural(grants, "grant"),
        plural(refused, "firing")
    );
    area.draw(&Text::new(line, (24, 48), text(14.0, &GREY)))
        .map_err(failed)
}

/// A linear axis with its ticks where we put them: at days (not plotters' round
/// fractions of them) and at round amounts ending in the axis's top.
#[derive(Clone)]
struct Axis {
    linear: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ranged for Axis {
    // Labels always come from a formatter given to the mesh.
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.linear.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Only bold ticks: no finer grid between them.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.linear.range()
    }
}

type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<Axis, Axis>>;

/// The panel's plot (left) and legend column (right), and a chart of the days
/// against money (in yuan) or counts up to at least `highest`.
fn panel<'a, 'b>(
    area: &'a DrawingArea<SVGBackend<'b>, Shift>,
    caption: &str,
    labels: &[String],
    highest: i128,
    money: bool,
) -> Result<(Chart<'a, 'b>, DrawingArea<SVGBackend<'b>, Shift>), ChartError> {
    let (plot, legend) = area.split_horizontally(WIDTH - LEGEND);
    let n = labels.len().max(1);
    // At most about 16 dates under the axis, evenly spaced.
    let step = n.div_ceil(16);
    let days: Vec<f64> = (0..n).step_by(step).map(|i| i as f64).collect();
    // Money gets room above its highest value, so a budget line is not the frame.
    let ys: Vec<f64> = if money {
        ticks(highest.saturating_add(highest / 25), true)
            .into_iter()
            .map(yuan)
            .collect()
    } else {
        ticks(highest, false)
            .into_iter()
            .map(|n| n as f64)
            .collect()
    };
    let top = ys.last().copied().unwrap_or(1.0);
    let mut chart = ChartBuilder::on(&plot)
        .caption(caption, bold(16.0, &INK))
        .margin_left(16)
        .margin_right(8)
        .margin_top(6)
        .margin_bottom(6)
        .x_label_area_size(28)
        .y_label_area_size(76)
        .build_cartesian_2d(
            Axis {
                linear: (-0.5..n as f64 - 0.5).into(),
                ticks: days,
            },
            Axis {
                linear: (0.0..top).into(),
                ticks: ys,
            },
        )
        .map_err(failed)?;
    let label = |x: &f64| {
        let i = x.round();
        if i >= 0.0 {
            labels.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    let count = |y: &f64| format!("{}", y.round() as i64);
    let mut mesh = chart.configure_mesh();
    mesh.disable_x_mesh()
        .bold_line_style(RGBColor(0xdd, 0xdd, 0xdd))
        .light_line_style(TRANSPARENT)
        .axis_style(GREY)
        .x_label_formatter(&label)
        .x_label_style(text(12.0, &GREY))
        .y_label_style(text(12.0, &GREY));
    if money {
        mesh.y_label_formatter(&money_label);
    } else {
        mesh.y_label_formatter(&count);
    }
    mesh.draw().map_err(failed)?;
    Ok((chart, legend))
}

/// How a legend entry shows what it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Swatch {
    /// A filled box, for bars.
    Bar,
    /// A short line.
    Line,
    /// A short dashed line.
    Dashed,
    /// Nothing: the label is a remark.
    Blank,
}

/// The legend column: each entry a swatch in its colour and a label, one a row.
fn draw_legend(
    legend: &DrawingArea<SVGBackend<'_>, Shift>,
    entries: &[(RGBColor, Swatch, String)],
) -> Result<(), ChartError> {
    for (row, (color, swatch, label)) in entries.iter().enumerate() {
        let y = 44 + 22 * row as i32;
        let segments: &[(i32, i32)] = match swatch {
            Swatch::Line => &[(4, 24)],
            Swatch::Dashed => &[(4, 11), (17, 24)],
            Swatch::Bar | Swatch::Blank => &[],
        };
        for &(x0, x1) in segments {
            legend
                .draw(&PathElement::new(
                    vec![(x0, y + 8), (x1, y + 8)],
                    color.stroke_width(3),
                ))
                .map_err(failed)?;
        }
        if *swatch == Swatch::Bar {
            legend
                .draw(&Rectangle::new([(6, y + 1), (21, y + 16)], color.filled()))
                .map_err(failed)?;
        }
        legend
            .draw(&Text::new(fit(label), (32, y), text(14.0, &INK)))
            .map_err(failed)?;
    }
    Ok(())
}

/// The red marker of the day a budget ran out: a dashed line through the panel,
/// and with `label` its text beside the line's top, on the side with more room.
fn mark_exhausted(
    chart: &mut Chart<'_, '_>,
    panels: &Panels,
    label: bool,
) -> Result<(), ChartError> {
    let Some((day, note)) = &panels.exhausted else {
        return Ok(());
    };
    let x = *day as f64;
    let top = chart.y_range().end;
    chart
        .draw_series(DashedLineSeries::new(
            [(x, 0.0), (x, top)],
            6,
            4,
            ALARM.stroke_width(2),
        ))
        .map_err(failed)?;
    if label {
        let left = *day * 2 >= panels.labels.len();
        let (dx, anchor) = if left {
            (-0.08, HPos::Right)
        } else {
            (0.08, HPos::Left)
        };
        let style = text(12.0, &ALARM).pos(Pos::new(anchor, VPos::Top));
        chart
            .draw_series([Text::new(note.clone(), (x + dx, top * 0.97), style)])
            .map_err(failed)?;
    }
    Ok(())
}

/// Bars of each day stacked series on series, each series in its colour.
fn draw_stacks(
    chart: &mut Chart<'_, '_>,
    series: &[(RGBColor, Vec<f64>)],
) -> Result<(), ChartError> {
    let days = series.first().map_or(0, |(_, d)| d.len());
    let mut base = vec![0.0; days];
    for (color, daily) in series {
        let mut bars = Vec::new();
        for (i, (v, b)) in daily.iter().zip(base.iter_mut()).enumerate() {
            if *v > 0.0 {
                let x = i as f64;
                bars.push(Rectangle::new(
                    [(x - 0.35, *b), (x + 0.35, *b + v)],
                    color.filled(),
                ));
                *b += v;
            }
        }
        chart.draw_series(bars).map_err(failed)?;
    }
    Ok(())
}

/// Panel 1: spend to date as a filled line, under the total budget and the daily
/// budget's allowance to date.
fn draw_budget_panel(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    p: &Panels,
) -> Result<(), ChartError> {
    let highest = p
        .cumulative
        .iter()
        .chain(p.total.iter())
        .chain(p.allowance.iter().flatten())
        .copied()
        .max()
        .unwrap_or(0);
    let caption = if p.total.is_none() && p.per_day.is_none() {
        "Spend to date"
    } else {
        "Spend to date against the budget"
    };
    let (mut chart, legend) = panel(area, caption, &p.labels, highest, true)?;
    let points: Vec<(f64, f64)> = p
        .cumulative
        .iter()
        .enumerate()
        .map(|(i, v)| (i as f64, yuan(*v)))
        .collect();
    chart
        .draw_series(
            AreaSeries::new(points.clone(), 0.0, SPEND.mix(0.15))
                .border_style(SPEND.stroke_width(3)),
        )
        .map_err(failed)?;
    // A dot a day, where days are far enough apart for dots to be seen apart.
    if points.len() <= 31 {
        chart
            .draw_series(points.iter().map(|&xy| Circle::new(xy, 3, SPEND.filled())))
            .map_err(failed)?;
    }
    let mut legends = vec![(SPEND, Swatch::Line, "spend to date".to_owned())];
    let last = p.labels.len().max(1) as f64 - 0.5;
    if let Some(total) = p.total {
        let y = yuan(total);
        chart
            .draw_series(LineSeries::new(
                [(-0.5, y), (last, y)],
                BUDGET.stroke_width(2),
            ))
            .map_err(failed)?;
        legends.push((
            BUDGET,
            Swatch::Line,
            format!("total budget {}", FenSum(total)),
        ));
    }
    if let (Some(per_day), Some(allowance)) = (p.per_day, &p.allowance) {
        chart
            .draw_series(DashedLineSeries::new(
                allowance
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (i as f64, yuan(*v))),
                8,
                5,
                BUDGET.stroke_width(2),
            ))
            .map_err(failed)?;
        legends.push((
            BUDGET,
            Swatch::Dashed,
            format!("{} per day × days", FenSum(per_day)),
        ));
    }
    if p.total.is_none() && p.per_day.is_none() {
        legends.push((WHITE, Swatch::Blank, "no budget set".to_owned()));
    }
    mark_exhausted(&mut chart, p, true)?;
    if let Some((_, label)) = &p.exhausted {
        legends.push((ALARM, Swatch::Dashed, label.clone()));
    }
    draw_legend(&legend, &legends)?;
    Ok(())
}

/// Panel 2: each day's spend as bars stacked by rule, under the daily budget.
fn draw_rules_panel(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    p: &Panels,
) -> Result<(), ChartError> {
    let series: Vec<&[i128]> = p.rules.iter().map(|(_, d)| d.as_slice()).collect();
    let highest = stacked(&series, p.labels.len())
        .into_iter()
        .chain(p.per_day)
        .max()
        .unwrap_or(0);
    let (mut chart, legend) = panel(area, "Daily spend by rule", &p.labels, highest, true)?;
    let mut legends = Vec::new();
    let mut bars = Vec::new();
    for (k, (rule, daily)) in p.rules.iter().enumerate() {
        let other = p.others && k + 1 == p.rules.len();
        let color = match RULE_COLORS.get(k) {
            Some(c) if !other => *c,
            _ => OTHER_RULES,
        };
        bars.push((color, daily.iter().map(|v| yuan(*v)).collect()));
        legends.push((color, Swatch::Bar, rule.clone()));
    }
    // Top to bottom as the bars stack.
    legends.reverse();
    draw_stacks(&mut chart, &bars)?;
    if p.rules.is_empty() {
        legends.push((WHITE, Swatch::Blank, "nothing granted".to_owned()));
    }
    if let Some(per_day) = p.per_day {
        let y = yuan(per_day);
        let last = p.labels.len().max(1) as f64 - 0.5;
        chart
            .draw_series(DashedLineSeries::new(
                [(-0.5, y), (last, y)],
                8,
                5,
                BUDGET.stroke_width(2),
            ))
            .map_err(failed)?;
        legends.push((
            BUDGET,
            Swatch::Dashed,
            format!("daily budget {}", FenSum(per_day)),
        ));
    }
    mark_exhausted(&mut chart, p, false)?;
    if let Some((_, label)) = &p.exhausted {
        legends.push((ALARM, Swatch::Dashed, label.clone()));
    }
    draw_legend(&legend, &legends)?;
    Ok(())
}

/// Panel 3: each day's refused firings as bars stacked by reason.
fn draw_refusals_panel(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    p: &Panels,
) -> Result<(), ChartError> {
    let series: Vec<&[u64]> = p.reasons.iter().map(|(_, d)| d.as_slice()).collect();
    let highest = stacked(&series, p.labels.len())
        .into_iter()
        .max()
        .unwrap_or(0);
    let (mut chart, legend) = panel(
        area,
        "Refused firings per day by reason",
        &p.labels,
        i128::from(highest),
        false,
    )?;
    let mut bars = Vec::new();
    let mut legends = Vec::new();
    for (reason, daily) in &p.reasons {
        let color = reason_color(*reason);
        bars.push((color, daily.iter().map(|n| *n as f64).collect()));
        legends.push((color, Swatch::Bar, reason.as_str().to_owned()));
    }
    legends.reverse();
    draw_stacks(&mut chart, &bars)?;
    if p.reasons.is_empty() {
        legends.push((WHITE, Swatch::Blank, "nothing refused".to_owned()));
    }
    draw_legend(&legend, &legends)
}
