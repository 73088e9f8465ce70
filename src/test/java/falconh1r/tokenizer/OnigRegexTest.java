package falconh1r.tokenizer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Oniguruma constructs without a faithful java.util.regex form are refused with the construct
 * named, rather than translated into something that matches differently (what is translated is
 * checked against Oniguruma itself in {@link ComponentProbesTest}).
 */
class OnigRegexTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "a\\Kb|\\K",
        "\\g<1>|\\g",
        "\\y|\\y",
        "[[:digit:]]|POSIX bracket",
        "(?~abc)|the group (?~a",
        "(?(1)ab)|the group (?(1",
        "(?W)a|the group (?W)",
        "(?'n'a)|the group (?'n",
        "a{2}+|an interval followed by +",
        "[abc|an unclosed [",
        "\\p{Greek|an unclosed \\p{",
        "abc\\|a trailing backslash"})
    void refusesWhatJavaCannotMatchTheSame(String pattern, String named) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnigRegex.compile(pattern));
        assertTrue(e.getMessage().contains(named), e.getMessage());
        assertTrue(e.getMessage().startsWith("regex /" + pattern + "/"), e.getMessage());
    }
}
