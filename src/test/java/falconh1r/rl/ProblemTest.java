package falconh1r.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading RL problems from JSONL: the accepted field names, ids, and each bad line named by file:line. */
class ProblemTest {

    @Test
    void readsQuestionsGoldAnswersAndIds(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("p.jsonl");
        Files.writeString(f, "{\"id\": \"x\", \"question\": \"What is 2+2?\", \"answer\": \"4\"}\n\n"
                + "{\"problem\": \"Compute 3*3.\", \"gold\": 9, \"domain\": \"math\"}\n{\"prompt\": \"p\", \"answer\": \"\\\\frac{1}{2}\"}\n");
        List<Problem> p = Problem.readJsonl(f);
        assertEquals(3, p.size());
        assertEquals("x", p.get(0).id());
        assertEquals("4", p.get(0).answer());
        assertEquals("1", p.get(1).id(), "no id: the index among the problems");
        assertEquals("Compute 3*3.", p.get(1).question());
        assertEquals("9", p.get(1).answer(), "a number is its JSON text");
        assertEquals("math", p.get(1).source().get("domain").asText());
        assertEquals("\\frac{1}{2}", p.get(2).answer());
    }

    @Test
    void badLinesAreNamed(@TempDir Path tmp) throws Exception {
        bad(tmp, "{\"question\": \"q\", \"answer\": \"1\"}\n{oops\n", "p.jsonl:2: not JSON");
        bad(tmp, "[1, 2]\n", "p.jsonl:1: expected a JSON object");
        bad(tmp, "{\"answer\": \"1\"}\n", "p.jsonl:1: no \"question\"");
        bad(tmp, "{\"question\": \"q\"}\n", "p.jsonl:1: no gold \"answer\"");
        bad(tmp, "{\"id\": 1, \"question\": \"q\", \"answer\": \"1\"}\n\n{\"id\": \"1\", \"question\": \"r\", \"answer\": \"2\"}\n",
                "p.jsonl:3: id \"1\" appears twice");
        bad(tmp, "\n", "no problems");
    }

    static void bad(Path tmp, String content, String message) throws Exception {
        Path f = tmp.resolve("p.jsonl");
        Files.writeString(f, content);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Problem.readJsonl(f));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
