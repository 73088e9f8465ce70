package falconh1r.tokenizer;

/**
 * One piece of the text on its way through the pipeline (a {@code Split} of tokenizers'
 * {@code PreTokenizedString}): its current text, the id of the added token it is (-1 while it is
 * ordinary text that the normalizer, pre-tokenizer and model still have to handle), and whether
 * it starts at offset 0 of the input (Metaspace's {@code prepend_scheme: "first"} asks).
 */
record Segment(String text, int tokenId, boolean atStart) {
    boolean isToken() {
        return tokenId >= 0;
    }

    Segment withText(String newText) {
        return new Segment(newText, tokenId, atStart);
    }

    /** The piece {@code [start, end)} of this segment's text. */
    Segment slice(int start, int end) {
        return new Segment(text.substring(start, end), -1, atStart && start == 0);
    }
}
