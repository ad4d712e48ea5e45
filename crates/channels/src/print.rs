//! The print-and-mail vendor's batch: a ZIP archive (stored, not compressed: PDFs are
//! compressed already) of the letters' PDFs and `manifest.csv`. Entries carry a fixed
//! date (1980-01-01) so the same letters give the same bytes.

/// CRC-32 (IEEE 802.3), as ZIP wants it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// A ZIP archive of `(name, bytes)` entries, in that order. Names are stored as UTF-8.
/// Panics beyond ZIP's 32-bit limits (4 GiB, 65,535 entries), which a day's letters do
/// not reach; callers split bigger batches.
pub fn zip(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    assert!(entries.len() < 0xFFFF, "too many entries for one ZIP");
    let mut out = Vec::new();
    let mut central = Vec::new();
    let u16le = |v: &mut Vec<u8>, n: u16| v.extend_from_slice(&n.to_le_bytes());
    let u32le = |v: &mut Vec<u8>, n: u32| v.extend_from_slice(&n.to_le_bytes());
    for (name, bytes) in entries {
        let offset = u32::try_from(out.len()).expect("ZIP under 4 GiB");
        let size = u32::try_from(bytes.len()).expect("entry under 4 GiB");
        let name_len = u16::try_from(name.len()).expect("short entry name");
        let crc = crc32(bytes);
        // Local file header.
        u32le(&mut out, 0x0403_4b50);
        u16le(&mut out, 20); // version needed
        u16le(&mut out, 1 << 11); // UTF-8 names
        u16le(&mut out, 0); // stored
        u16le(&mut out, 0); // time 00:00
        u16le(&mut out, 0x21); // date 1980-01-01
        u32le(&mut out, crc);
        u32le(&mut out, size);
        u32le(&mut out, size);
        u16le(&mut out, name_len);
        u16le(&mut out, 0);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(bytes);
        // Central directory entry.
        u32le(&mut central, 0x0201_4b50);
        u16le(&mut central, 20);
        u16le(&mut central, 20);
        u16le(&mut central, 1 << 11);
        u16le(&mut central, 0);
        u16le(&mut central, 0);
        u16le(&mut central, 0x21);
        u32le(&mut central, crc);
        u32le(&mut central, size);
        u32le(&mut central, size);
        u16le(&mut central, name_len);
        u16le(&mut central, 0); // extra
        u16le(&mut central, 0); // comment
        u16le(&mut central, 0); // disk
        u16le(&mut central, 0); // internal attributes
        u32le(&mut central, 0); // external attributes
        u32le(&mut central, offset);
        central.extend_from_slice(name.as_bytes());
    }
    let directory_at = u32::try_from(out.len()).expect("ZIP under 4 GiB");
    let directory_len = u32::try_from(central.len()).expect("ZIP under 4 GiB");
    out.extend_from_slice(&central);
    let count = entries.len() as u16;
    u32le(&mut out, 0x0605_4b50);
    u16le(&mut out, 0);
    u16le(&mut out, 0);
    u16le(&mut out, count);
    u16le(&mut out, count);
    u32le(&mut out, directory_len);
    u32le(&mut out, directory_at);
    u16le(&mut out, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }
}
