package falconh1r.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's reversible byte-to-character table ({@code bytes_to_unicode} in openai/gpt-2
 * {@code encoder.py}, {@code bytes_char} in tokenizers): the printable bytes {@code !..~},
 * {@code ¡..¬}, {@code ®..ÿ} stand for themselves, the other 68 bytes for U+0100, U+0101, ... in
 * byte order. Byte-level BPE works on these characters, so every byte string has a spelling.
 */
final class ByteLevelTable {
    private ByteLevelTable() {}

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final byte[] CHAR_TO_BYTE = new byte[0x200];
    private static final boolean[] IS_BYTE_CHAR = new boolean[0x200];

    static {
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + n++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = (byte) b;
            IS_BYTE_CHAR[c] = true;
        }
    }

    static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte a table character stands for, or -1 when the character is not in the table. */
    static int byteOf(int c) {
        return c < IS_BYTE_CHAR.length && IS_BYTE_CHAR[c] ? CHAR_TO_BYTE[c] & 0xFF : -1;
    }

    /** The UTF-8 bytes of {@code s}, each spelled by its table character. */
    static String encode(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[utf8.length];
        for (int i = 0; i < utf8.length; i++) out[i] = charOf(utf8[i]);
        return new String(out);
    }
}
