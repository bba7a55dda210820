//! Icon checks and fixes. Teams wants a 192x192 colour PNG and a 32x32 outline PNG whose
//! pixels are pure white or fully transparent; these functions check exactly that and turn an
//! arbitrary PNG/JPEG into a conforming icon. All work on bytes so a UI can call them directly.

use std::io::Cursor;

use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::imageops::{self, FilterType};
use image::{ImageEncoder, ImageFormat, ImageReader, Limits, Rgba, RgbaImage};
use serde::{Deserialize, Serialize};

use super::error::PackageError;

pub const COLOR_SIZE: u32 = 192;
pub const OUTLINE_SIZE: u32 = 32;

/// Result of an icon fix: the input (re-encoded as PNG, for a before/after preview) and the
/// conforming icon.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IconFix {
    pub before_png: Vec<u8>,
    pub before_width: u32,
    pub before_height: u32,
    pub after_png: Vec<u8>,
    pub after_width: u32,
    pub after_height: u32,
}

/// Outcome of the outline pixel check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutlineCheck {
    pub bad_pixels: u64,
    pub total_pixels: u64,
    /// First offending pixel: x, y, RGBA.
    pub first_bad: Option<(u32, u32, [u8; 4])>,
    /// White pixels that are neither opaque nor fully transparent (anti-aliased edges).
    /// The docs allow them; Microsoft's validator has rejected icons with them (alpha 216).
    pub partial_alpha_pixels: u64,
    pub first_partial: Option<(u32, u32, [u8; 4])>,
}

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

fn limits() -> Limits {
    // Icons are tiny; refusing giant canvases keeps a hostile PNG from allocating gigabytes.
    let mut l = Limits::default();
    l.max_image_width = Some(8192);
    l.max_image_height = Some(8192);
    l.max_alloc = Some(256 * 1024 * 1024);
    l
}

pub fn is_png(bytes: &[u8]) -> bool {
    bytes.starts_with(PNG_MAGIC)
}

fn looks_like_svg(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(512)];
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    text.contains("<svg") || (text.trim_start().starts_with("<?xml") && text.contains("svg"))
}

fn reader(bytes: &[u8], format: ImageFormat) -> ImageReader<Cursor<&[u8]>> {
    let mut r = ImageReader::with_format(Cursor::new(bytes), format);
    r.limits(limits());
    r
}

/// Width and height of a PNG, reading only its header.
pub fn png_dimensions(bytes: &[u8]) -> Result<(u32, u32), PackageError> {
    if !is_png(bytes) {
        return Err(PackageError::UnsupportedImage(
            "not a PNG file (wrong signature)".into(),
        ));
    }
    reader(bytes, ImageFormat::Png)
        .into_dimensions()
        .map_err(|e| PackageError::UnsupportedImage(e.to_string()))
}

/// Decodes a PNG fully to RGBA8.
pub fn decode_png(bytes: &[u8]) -> Result<RgbaImage, PackageError> {
    if !is_png(bytes) {
        return Err(PackageError::UnsupportedImage(
            "not a PNG file (wrong signature)".into(),
        ));
    }
    reader(bytes, ImageFormat::Png)
        .decode()
        .map(|i| i.to_rgba8())
        .map_err(|e| PackageError::UnsupportedImage(e.to_string()))
}

/// Decodes PNG or JPEG. SVG is refused with a clear message rather than rendered: a renderer
/// would add a large dependency for a format admins can export from any editor.
pub fn decode_image(bytes: &[u8]) -> Result<RgbaImage, PackageError> {
    let format = if is_png(bytes) {
        ImageFormat::Png
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        ImageFormat::Jpeg
    } else if looks_like_svg(bytes) {
        return Err(PackageError::UnsupportedImage(
            "SVG is not supported; export the icon as PNG (or JPEG) and import that".into(),
        ));
    } else {
        return Err(PackageError::UnsupportedImage(
            "unrecognised image format; use PNG or JPEG".into(),
        ));
    };
    reader(bytes, format)
        .decode()
        .map(|i| i.to_rgba8())
        .map_err(|e| PackageError::UnsupportedImage(e.to_string()))
}

pub fn encode_png(img: &RgbaImage) -> Result<Vec<u8>, PackageError> {
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Best, PngFilter::Adaptive)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgba8,
        )
        .map_err(|e| PackageError::Image(e.to_string()))?;
    Ok(out)
}

/// A pixel passes when it is fully transparent or exactly white; grey or coloured pixels are
/// bad. White pixels with partial alpha are counted apart: the docs allow them, but
/// Microsoft's validator has refused such icons, so they earn a warning.
pub fn check_outline(img: &RgbaImage) -> OutlineCheck {
    let mut bad = 0u64;
    let mut first = None;
    let mut partial = 0u64;
    let mut first_partial = None;
    for (x, y, p) in img.enumerate_pixels() {
        let [r, g, b, a] = p.0;
        if a == 0 {
            continue;
        }
        if (r, g, b) != (255, 255, 255) {
            bad += 1;
            if first.is_none() {
                first = Some((x, y, p.0));
            }
        } else if a != 255 {
            partial += 1;
            if first_partial.is_none() {
                first_partial = Some((x, y, p.0));
            }
        }
    }
    OutlineCheck {
        bad_pixels: bad,
        total_pixels: u64::from(img.width()) * u64::from(img.height()),
        first_bad: first,
        partial_alpha_pixels: partial,
        first_partial,
    }
}

/// Scales `img` to fit a `size`x`size` square keeping its aspect ratio, centred on a
/// transparent canvas.
fn fit_square(img: &RgbaImage, size: u32) -> RgbaImage {
    let (w, h) = img.dimensions();
    if (w, h) == (size, size) {
        return img.clone();
    }
    let scale = f64::from(size) / f64::from(w.max(h).max(1));
    let nw = ((f64::from(w) * scale).round() as u32).clamp(1, size);
    let nh = ((f64::from(h) * scale).round() as u32).clamp(1, size);
    let resized = imageops::resize(img, nw, nh, FilterType::Lanczos3);
    let mut canvas = RgbaImage::from_pixel(size, size, Rgba([0, 0, 0, 0]));
    imageops::overlay(
        &mut canvas,
        &resized,
        i64::from((size - nw) / 2),
        i64::from((size - nh) / 2),
    );
    canvas
}

/// Colour icon fix: any PNG/JPEG → 192x192 PNG, aspect kept, padded with transparency.
pub fn fix_color_icon(bytes: &[u8]) -> Result<IconFix, PackageError> {
    let src = decode_image(bytes)?;
    let out = fit_square(&src, COLOR_SIZE);
    Ok(IconFix {
        before_png: encode_png(&src)?,
        before_width: src.width(),
        before_height: src.height(),
        after_png: encode_png(&out)?,
        after_width: COLOR_SIZE,
        after_height: COLOR_SIZE,
    })
}

fn luminance(p: &Rgba<u8>) -> f32 {
    let [r, g, b, _] = p.0;
    0.2126 * f32::from(r) + 0.7152 * f32::from(g) + 0.0722 * f32::from(b)
}

/// Coverage (0 = background, 255 = shape) of each pixel. Images with real transparency use
/// their alpha; opaque images use luminance contrast against the border colour, so both
/// dark-on-light and light-on-dark artwork come out as a white shape.
fn coverage(src: &RgbaImage) -> Vec<u8> {
    let has_alpha = src.pixels().any(|p| p.0[3] < 250);
    if has_alpha {
        return src.pixels().map(|p| p.0[3]).collect();
    }
    let (w, h) = src.dimensions();
    let mut border_sum = 0f32;
    let mut border_n = 0f32;
    for (x, y, p) in src.enumerate_pixels() {
        if x == 0 || y == 0 || x + 1 == w || y + 1 == h {
            border_sum += luminance(p);
            border_n += 1.0;
        }
    }
    let bg = if border_n > 0.0 {
        border_sum / border_n
    } else {
        255.0
    };
    let raw: Vec<f32> = src.pixels().map(|p| (luminance(p) - bg).abs()).collect();
    let max = raw.iter().copied().fold(0f32, f32::max);
    if max < 1.0 {
        return vec![0; raw.len()];
    }
    raw.iter()
        .map(|d| (d / max * 255.0).round().clamp(0.0, 255.0) as u8)
        .collect()
}

/// Outline icon fix: any PNG/JPEG → 32x32 PNG where every pixel is opaque white or fully
/// transparent. Coverage is thresholded at half: anti-aliased edges would look smoother, but
/// Microsoft's validator has rejected outline icons whose white pixels are partly opaque.
pub fn fix_outline_icon(bytes: &[u8]) -> Result<IconFix, PackageError> {
    let src = decode_image(bytes)?;
    let cov = coverage(&src);
    let mut mask = RgbaImage::new(src.width(), src.height());
    for (p, c) in mask.pixels_mut().zip(cov) {
        *p = Rgba([255, 255, 255, c]);
    }
    let mut out = fit_square(&mask, OUTLINE_SIZE);
    for p in out.pixels_mut() {
        *p = if p.0[3] >= 128 {
            Rgba([255, 255, 255, 255])
        } else {
            Rgba([0, 0, 0, 0])
        };
    }
    Ok(IconFix {
        before_png: encode_png(&src)?,
        before_width: src.width(),
        before_height: src.height(),
        after_png: encode_png(&out)?,
        after_width: OUTLINE_SIZE,
        after_height: OUTLINE_SIZE,
    })
}

/// Placeholder colour icon for new packages: accent-coloured square with a white ring.
pub fn placeholder_color_icon(accent: [u8; 3]) -> Result<Vec<u8>, PackageError> {
    let [r, g, b] = accent;
    let c = f64::from(COLOR_SIZE) / 2.0;
    let img = RgbaImage::from_fn(COLOR_SIZE, COLOR_SIZE, |x, y| {
        let d = ((f64::from(x) + 0.5 - c).powi(2) + (f64::from(y) + 0.5 - c).powi(2)).sqrt();
        if (44.0..60.0).contains(&d) {
            Rgba([255, 255, 255, 255])
        } else {
            Rgba([r, g, b, 255])
        }
    });
    encode_png(&img)
}

/// Placeholder outline icon: a white ring on transparency.
pub fn placeholder_outline_icon() -> Result<Vec<u8>, PackageError> {
    let c = f64::from(OUTLINE_SIZE) / 2.0;
    let img = RgbaImage::from_fn(OUTLINE_SIZE, OUTLINE_SIZE, |x, y| {
        let d = ((f64::from(x) + 0.5 - c).powi(2) + (f64::from(y) + 0.5 - c).powi(2)).sqrt();
        if (9.0..13.0).contains(&d) {
            Rgba([255, 255, 255, 255])
        } else {
            Rgba([0, 0, 0, 0])
        }
    });
    encode_png(&img)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::codecs::jpeg::JpegEncoder;

    fn png(img: &RgbaImage) -> Vec<u8> {
        encode_png(img).unwrap()
    }

    #[test]
    fn color_fix_keeps_aspect_and_pads_transparent() {
        let src = RgbaImage::from_pixel(400, 200, Rgba([200, 10, 10, 255]));
        let fix = fix_color_icon(&png(&src)).unwrap();
        let out = decode_png(&fix.after_png).unwrap();
        assert_eq!(out.dimensions(), (192, 192));
        assert_eq!((fix.before_width, fix.before_height), (400, 200));
        // 400x200 → 192x96, centred: rows 48..144 opaque, the rest transparent.
        assert_eq!(out.get_pixel(96, 10).0[3], 0);
        assert_eq!(out.get_pixel(96, 96).0, [200, 10, 10, 255]);
        assert_eq!(out.get_pixel(96, 185).0[3], 0);
    }

    #[test]
    fn outline_fix_turns_dark_on_light_jpeg_into_white_on_transparent() {
        let src = image::RgbImage::from_fn(64, 64, |x, y| {
            if (16..48).contains(&x) && (16..48).contains(&y) {
                image::Rgb([20, 20, 20])
            } else {
                image::Rgb([250, 250, 250])
            }
        });
        let mut jpeg = Vec::new();
        JpegEncoder::new_with_quality(&mut jpeg, 90)
            .write_image(src.as_raw(), 64, 64, image::ExtendedColorType::Rgb8)
            .unwrap();
        let fix = fix_outline_icon(&jpeg).unwrap();
        let out = decode_png(&fix.after_png).unwrap();
        assert_eq!(out.dimensions(), (32, 32));
        assert_eq!(check_outline(&out).bad_pixels, 0);
        assert_eq!(out.get_pixel(16, 16).0, [255, 255, 255, 255]);
        assert_eq!(out.get_pixel(1, 1).0[3], 0);
    }

    #[test]
    fn outline_fix_uses_alpha_when_present() {
        let src = RgbaImage::from_fn(32, 32, |x, _| {
            if x < 16 {
                Rgba([0, 120, 255, 255])
            } else {
                Rgba([0, 0, 0, 0])
            }
        });
        let fix = fix_outline_icon(&png(&src)).unwrap();
        let out = decode_png(&fix.after_png).unwrap();
        assert_eq!(check_outline(&out).bad_pixels, 0);
        assert_eq!(out.get_pixel(3, 3).0, [255, 255, 255, 255]);
        assert_eq!(out.get_pixel(30, 3).0[3], 0);
    }

    #[test]
    fn svg_and_garbage_are_refused_with_a_clear_error() {
        let e = decode_image(b"<svg xmlns='http://www.w3.org/2000/svg'></svg>").unwrap_err();
        assert!(e.to_string().contains("SVG is not supported"), "{e}");
        assert!(decode_image(b"hello").is_err());
        assert!(decode_image(b"\x89PNG\r\n\x1a\ngarbage").is_err());
    }

    #[test]
    fn placeholders_conform() {
        let c = placeholder_color_icon([0x44, 0x64, 0xEE]).unwrap();
        assert_eq!(png_dimensions(&c).unwrap(), (192, 192));
        let o = decode_png(&placeholder_outline_icon().unwrap()).unwrap();
        assert_eq!(o.dimensions(), (32, 32));
        let check = check_outline(&o);
        assert_eq!(check.bad_pixels, 0);
        assert!(o.pixels().any(|p| p.0[3] == 255), "ring must be visible");
    }

    #[test]
    fn outline_check_flags_grey_pixels() {
        let mut img = RgbaImage::from_pixel(32, 32, Rgba([0, 0, 0, 0]));
        img.put_pixel(5, 6, Rgba([128, 128, 128, 255]));
        img.put_pixel(7, 7, Rgba([255, 255, 255, 128]));
        let c = check_outline(&img);
        assert_eq!(c.bad_pixels, 1);
        assert_eq!(c.first_bad, Some((5, 6, [128, 128, 128, 255])));
        assert_eq!(c.partial_alpha_pixels, 1);
        assert_eq!(c.first_partial, Some((7, 7, [255, 255, 255, 128])));
    }

    #[test]
    fn outline_fix_leaves_only_opaque_white_or_transparent() {
        // The case Microsoft's validator refused: white at alpha 216, plus a soft edge.
        let src = RgbaImage::from_fn(32, 32, |x, y| match (x, y) {
            (8..=23, 8..=23) => Rgba([255, 255, 255, 216]),
            (7 | 24, _) => Rgba([255, 255, 255, 40]),
            _ => Rgba([0, 0, 0, 0]),
        });
        let before = check_outline(&src);
        assert!(before.partial_alpha_pixels > 0);
        let fix = fix_outline_icon(&png(&src)).unwrap();
        let out = decode_png(&fix.after_png).unwrap();
        let after = check_outline(&out);
        assert_eq!((after.bad_pixels, after.partial_alpha_pixels), (0, 0));
        for p in out.pixels() {
            assert!(
                p.0 == [255, 255, 255, 255] || p.0[3] == 0,
                "pixel {:?} is neither opaque white nor transparent",
                p.0
            );
        }
        assert_eq!(out.get_pixel(16, 16).0, [255, 255, 255, 255]);
        assert_eq!(out.get_pixel(7, 16).0[3], 0);
    }
}
