//! What the CSV targets share: lines as an editor counts them, and the input with CR LF
//! line endings.

/// The number of lines of `data` as an editor counts them: LF, CR LF and CR end a line.
pub fn lines_of(data: &[u8]) -> u64 {
    let mut lines = 1;
    let mut previous = 0u8;
    for &byte in data {
        if byte == b'\r' || (byte == b'\n' && previous != b'\r') {
            lines += 1;
        }
        previous = byte;
    }
    lines
}

/// `data` with every LF written CR LF, when it has no CR of its own (then the two must
/// read alike).
pub fn with_crlf(data: &[u8]) -> Option<Vec<u8>> {
    if data.contains(&b'\r') {
        return None;
    }
    let mut crlf = Vec::with_capacity(data.len() * 2);
    for &byte in data {
        if byte == b'\n' {
            crlf.push(b'\r');
        }
        crlf.push(byte);
    }
    Some(crlf)
}
