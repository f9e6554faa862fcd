//! The embedded font: text is drawn with DejaVu Sans through `ab_glyph`, so the charts need no
//! system font (no fontconfig).

use plotters::style::FontStyle;
use std::sync::OnceLock;

/// Registers DejaVu Sans as plotters' `sans-serif` (once per process).
pub(super) fn register_fonts() -> anyhow::Result<()> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            for (style, bytes) in [
                (FontStyle::Normal, dejavu::sans::regular()),
                (FontStyle::Bold, dejavu::sans::bold()),
            ] {
                plotters::style::register_font("sans-serif", style, bytes)
                    .map_err(|_| "the embedded DejaVu Sans font does not load".to_string())?;
            }
            Ok(())
        })
        .clone()
        .map_err(anyhow::Error::msg)
}
