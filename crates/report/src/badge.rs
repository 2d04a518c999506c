//! Badges: an SVG ("MLOps level 2", coloured by level) to commit or publish
//! beside a README, and a shields.io endpoint JSON
//! (<https://shields.io/badges/endpoint-badge>) for teams that serve their
//! badges through shields.
//!
//! The SVG follows shields' "flat" style: a grey label (`MLOps level`) and a
//! coloured value (the level). Text widths come from a fixed table of Verdana
//! 11px advances, so the bytes depend on the level alone: no font is read,
//! nothing is fetched. The colours are shields' named colours, so the SVG and
//! the endpoint badge look alike.

/// The badge's label.
pub const BADGE_LABEL: &str = "MLOps level";

/// The colour of a level: shields' colour name and its hex value. Level 0 is
/// red, 4 bright green; levels above 4 are shown as 4.
pub fn level_color(level: u8) -> (&'static str, &'static str) {
    match level {
        0 => ("red", "#e05d44"),
        1 => ("orange", "#fe7d37"),
        2 => ("yellow", "#dfb317"),
        3 => ("yellowgreen", "#a4a61d"),
        _ => ("brightgreen", "#4c1"),
    }
}

/// Advance width of a character in Verdana 11px (what shields measures with),
/// rounded to a tenth of a pixel. Characters outside the table count as `m`-wide,
/// which only ever makes the box a little larger.
fn char_width(c: char) -> f64 {
    match c {
        ' ' => 3.9,
        'l' | 'i' => 3.1,
        's' => 5.7,
        'p' | 'e' | 'v' => 6.7,
        'L' => 6.1,
        'M' => 10.0,
        'O' => 8.6,
        '0'..='9' => 7.0,
        _ => 10.7,
    }
}

fn text_width(s: &str) -> f64 {
    s.chars().map(char_width).sum::<f64>().round()
}

/// The SVG badge for `level`: `MLOps level` on grey, the level on its colour.
/// Well-formed XML with a `<title>` and an `aria-label` for screen readers.
pub fn render_badge_svg(level: u8) -> String {
    let level = level.min(mlops_rules::MAX_LEVEL);
    let value = level.to_string();
    let (_, color) = level_color(level);
    // 5px of padding on each side of each text, as shields does.
    let (lw, vw) = (text_width(BADGE_LABEL) + 10.0, text_width(&value) + 10.0);
    let w = lw + vw;
    let (lx, vx) = (lw / 2.0, lw + vw / 2.0);
    let title = format!("{BADGE_LABEL} {value}");
    format!(
        concat!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="20" role="img" aria-label="{title}">"##,
            r##"<title>{title}</title>"##,
            r##"<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>"##,
            r##"<clipPath id="r"><rect width="{w}" height="20" rx="3" fill="#fff"/></clipPath>"##,
            r##"<g clip-path="url(#r)"><rect width="{lw}" height="20" fill="#555"/><rect x="{lw}" width="{vw}" height="20" fill="{color}"/><rect width="{w}" height="20" fill="url(#s)"/></g>"##,
            r##"<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">"##,
            r##"<text x="{lx}" y="15" fill="#010101" fill-opacity=".3" aria-hidden="true">{label}</text><text x="{lx}" y="14">{label}</text>"##,
            r##"<text x="{vx}" y="15" fill="#010101" fill-opacity=".3" aria-hidden="true">{value}</text><text x="{vx}" y="14">{value}</text>"##,
            "</g></svg>\n"
        ),
        w = w,
        lw = lw,
        vw = vw,
        lx = lx,
        vx = vx,
        color = color,
        title = title,
        label = BADGE_LABEL,
        value = value,
    )
}

/// The shields.io endpoint JSON for `level`:
/// `{"schemaVersion":1,"label":"MLOps level","message":"2","color":"yellow"}`.
/// Serve it at a stable URL and point
/// `https://img.shields.io/endpoint?url=...` at it.
pub fn render_badge_json(level: u8) -> String {
    let level = level.min(mlops_rules::MAX_LEVEL);
    let v = serde_json::json!({
        "schemaVersion": 1,
        "label": BADGE_LABEL,
        "message": level.to_string(),
        "color": level_color(level).0,
    });
    // serde_json's map keeps keys sorted (no preserve_order): deterministic.
    let mut s = serde_json::to_string(&v).expect("badge serializes");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn badge_boxes_fit_their_text_and_levels_above_four_show_as_four() {
        // Label: 10 px of padding around the measured text; the value box follows it.
        let svg = render_badge_svg(2);
        let lw = text_width(BADGE_LABEL) + 10.0;
        assert!(
            svg.contains(&format!(
                r##"<rect width="{lw}" height="20" fill="#555"/><rect x="{lw}" width="17" height="20" fill="#dfb317"/>"##
            )),
            "{svg}"
        );
        assert!((60.0..80.0).contains(&text_width(BADGE_LABEL)), "Verdana 11px measures the label at about 69 px");
        assert_eq!(render_badge_svg(9), render_badge_svg(4));
        assert_eq!(render_badge_json(9), render_badge_json(4));
        assert!(render_badge_json(0).contains(r#""color":"red""#));
        assert_ne!(render_badge_svg(0), render_badge_svg(1));
    }
}
