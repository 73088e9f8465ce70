package falconh1r.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** The boxed-answer fallback against deepconf's extract_answer on a corpus with hand-made and seeded random texts. */
class AnswersTest {

    @Test
    void extractEqualsExtractAnswer() {
        JsonNode cases = DeepConfFixtures.read("measures.json").get("extract_answer");
        int none = 0;
        for (int c = 0; c < cases.size(); c++) {
            JsonNode k = cases.get(c);
            String text = k.get("text").asText();
            String expected = DeepConfFixtures.text(k.get("answer"));
            assertEquals(expected, Answers.extract(text), "case " + c + ": " + text);
            if (expected == null) none++;
        }
        assertTrue(cases.size() >= 300 && none > 20, cases.size() + " texts, " + none + " without an answer");
    }
}
