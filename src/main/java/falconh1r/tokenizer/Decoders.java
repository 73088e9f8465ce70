package falconh1r.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * tokenizers' decoders ({@code decoders/*.rs}): each maps the list of token strings to a new list
 * ({@code Decoder::decode_chain}); the decoded text is the final list joined.
 */
final class Decoders {
    private Decoders() {}

    /** A decoder: {@code Decoder::decode_chain}. */
    interface Decoder {
        List<String> decodeChain(List<String> tokens);
    }

    /** The {@code decoder} object of a tokenizer.json. */
    static Decoder parse(JsonField f) {
        String type = f.type();
        return switch (type) {
            case "ByteLevel" -> Decoders::byteLevel;
            case "ByteFallback" -> Decoders::byteFallback;
            case "Fuse" -> tokens -> List.of(String.join("", tokens));
            case "Strip" -> strip(f.codePoint("content"), f.index("start"), f.index("stop"));
            case "Replace" -> replace(f.pattern("pattern"), f.string("content"));
            case "Metaspace" -> metaspace(f.codePoint("replacement"), !"never".equals(f.string("prepend_scheme", "always"))
                    && f.bool("add_prefix_space", true));
            case "BPEDecoder" -> bpe(f.string("suffix", "</w>"));
            case "Sequence" -> {
                List<Decoder> parts = new ArrayList<>();
                for (JsonField item : f.elements("decoders")) parts.add(parse(item));
                yield tokens -> {
                    for (Decoder d : parts) tokens = d.decodeChain(tokens);
                    return tokens;
                };
            }
            default -> throw f.get("type").error("unsupported decoder \"" + type
                    + "\" (ByteLevel, ByteFallback, Fuse, Strip, Replace, Metaspace, BPEDecoder, Sequence)");
        };
    }

    /**
     * {@code ByteLevel}: every token's characters back to bytes through GPT-2's table (a token
     * with a character outside the table contributes its UTF-8 bytes instead), all bytes decoded
     * at once as lossy UTF-8; one string results.
     */
    static List<String> byteLevel(List<String> tokens) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (String t : tokens) {
            boolean inTable = true;
            for (int i = 0; i < t.length() && inTable; i++) inTable = ByteLevelTable.byteOf(t.charAt(i)) >= 0;
            if (inTable) {
                for (int i = 0; i < t.length(); i++) bytes.write(ByteLevelTable.byteOf(t.charAt(i)));
            } else {
                bytes.writeBytes(t.getBytes(StandardCharsets.UTF_8));
            }
        }
        return List.of(Utf8.decodeLossy(bytes.toByteArray(), bytes.size()));
    }

    /**
     * {@code ByteFallback}: runs of {@code <0xHH>} tokens become the text of their bytes, or one
     * U+FFFD per byte when the run is not valid UTF-8.
     */
    static List<String> byteFallback(List<String> tokens) {
        List<String> out = new ArrayList<>(tokens.size());
        ByteArrayOutputStream run = new ByteArrayOutputStream();
        for (String t : tokens) {
            int b = byteToken(t);
            if (b >= 0) {
                run.write(b);
                continue;
            }
            flushBytes(run, out);
            out.add(t);
        }
        flushBytes(run, out);
        return out;
    }

    /**
     * The byte of a {@code <0xHH>} token, or -1: six bytes, {@code <0x}, two characters that Rust's
     * {@code u8::from_str_radix(_, 16)} reads (hex digits of either case, or {@code +} and one digit), {@code >}.
     */
    private static int byteToken(String t) {
        if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') return -1;
        int hi = hexDigit(t.charAt(3));
        int lo = hexDigit(t.charAt(4));
        if (t.charAt(3) == '+') return lo;
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    private static void flushBytes(ByteArrayOutputStream run, List<String> out) {
        if (run.size() == 0) return;
        byte[] bytes = run.toByteArray();
        try {
            out.add(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            for (int i = 0; i < bytes.length; i++) out.add("\uFFFD");
        }
        run.reset();
    }

    /** {@code Strip}: up to {@code start} leading and {@code stop} trailing {@code content} characters off each token. */
    static Decoder strip(int content, int start, int stop) {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) {
                int[] cps = t.codePoints().toArray();
                int from = 0;
                while (from < Math.min(start, cps.length) && cps[from] == content) from++;
                int to = cps.length;
                for (int i = 0; i < stop && to > 0 && cps[to - 1] == content; i++) to--;
                out.add(from >= to ? "" : new String(cps, from, to - from));
            }
            return out;
        };
    }

    /** {@code Replace}: each token with every match of the pattern replaced by {@code content}. */
    static Decoder replace(OnigRegex pattern, String content) {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) out.add(Normalizers.replaceAll(pattern, content, t));
            return out;
        };
    }

    /** {@code Metaspace}: the replacement character becomes a space, except in the first token when a space was prepended. */
    static Decoder metaspace(int replacement, boolean dropFirst) {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                StringBuilder b = new StringBuilder();
                boolean first = i == 0;
                tokens.get(i).codePoints().forEach(cp -> {
                    if (cp != replacement) {
                        b.appendCodePoint(cp);
                    } else if (!(first && dropFirst)) {
                        b.append(' ');
                    }
                });
                out.add(b.toString());
            }
            return out;
        };
    }

    /** {@code BPEDecoder}: the end-of-word suffix becomes a space, or nothing in the last token. */
    static Decoder bpe(String suffix) {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) out.add(tokens.get(i).replace(suffix, i == tokens.size() - 1 ? "" : " "));
            return out;
        };
    }
}
