package falconh1r.tokenizer;

/**
 * UTF-8 decoding as Rust's {@code String::from_utf8_lossy} does it: every maximal ill-formed
 * subsequence (Unicode 16 §3.9, "U+FFFD substitution of maximal subparts") becomes one U+FFFD.
 */
final class Utf8 {
    private Utf8() {}

    static String decodeLossy(byte[] bytes, int length) {
        StringBuilder out = new StringBuilder(length);
        int i = 0;
        while (i < length) {
            int b = bytes[i] & 0xFF;
            if (b < 0x80) {
                out.append((char) b);
                i++;
                continue;
            }
            int need;
            int lo = 0x80;
            int hi = 0xBF;
            if (b >= 0xC2 && b <= 0xDF) {
                need = 1;
            } else if (b >= 0xE0 && b <= 0xEF) {
                need = 2;
                if (b == 0xE0) lo = 0xA0;
                if (b == 0xED) hi = 0x9F;
            } else if (b >= 0xF0 && b <= 0xF4) {
                need = 3;
                if (b == 0xF0) lo = 0x90;
                if (b == 0xF4) hi = 0x8F;
            } else {
                out.append('\uFFFD');
                i++;
                continue;
            }
            int cp = b & (0x3F >> need);
            int j = 1;
            for (; j <= need; j++) {
                if (i + j >= length) break;
                int c = bytes[i + j] & 0xFF;
                if (c < (j == 1 ? lo : 0x80) || c > (j == 1 ? hi : 0xBF)) break;
                cp = (cp << 6) | (c & 0x3F);
            }
            if (j > need) {
                out.appendCodePoint(cp);
                i += need + 1;
            } else {
                out.append('\uFFFD');
                i += j;
            }
        }
        return out.toString();
    }
}
