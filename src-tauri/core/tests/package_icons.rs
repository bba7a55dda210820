//! Icon fixes always yield conforming icons, whatever the input; garbage never panics.

use botdeck_core::package::icons::{
    check_outline, decode_image, decode_png, encode_png, fix_color_icon, fix_outline_icon,
    png_dimensions,
};
use botdeck_core::package::PackageError;
use image::{Rgba, RgbaImage};
use proptest::prelude::*;

fn arb_image() -> impl Strategy<Value = RgbaImage> {
    (1u32..40, 1u32..40, any::<bool>()).prop_flat_map(|(w, h, opaque)| {
        prop::collection::vec(any::<[u8; 4]>(), (w * h) as usize).prop_map(move |px| {
            let mut img = RgbaImage::new(w, h);
            for (p, mut v) in img.pixels_mut().zip(px) {
                if opaque {
                    v[3] = 255;
                }
                *p = Rgba(v);
            }
            img
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn fixed_icons_always_conform(img in arb_image()) {
        let bytes = encode_png(&img).unwrap();
        let outline = fix_outline_icon(&bytes).unwrap();
        let out = decode_png(&outline.after_png).unwrap();
        prop_assert_eq!(out.dimensions(), (32, 32));
        let check = check_outline(&out);
        prop_assert_eq!(check.bad_pixels, 0);
        // Opaque white or fully transparent only: Microsoft's validator refuses partial alpha.
        prop_assert_eq!(check.partial_alpha_pixels, 0);
        prop_assert!(out.pixels().all(|p| p.0 == [255, 255, 255, 255] || p.0[3] == 0));
        prop_assert_eq!((outline.before_width, outline.before_height), img.dimensions());
        let color = fix_color_icon(&bytes).unwrap();
        prop_assert_eq!(png_dimensions(&color.after_png).unwrap(), (192, 192));
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_decoders(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_image(&bytes);
        let _ = png_dimensions(&bytes);
        let _ = fix_outline_icon(&bytes);
    }
}

#[test]
fn huge_canvas_is_refused_not_allocated() {
    // A valid PNG header declaring 100000x100000 pixels (no data): limits must refuse it.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let crc = crc32(&ihdr);
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc.to_be_bytes());
    assert!(matches!(
        decode_image(&png),
        Err(PackageError::UnsupportedImage(_))
    ));
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}
