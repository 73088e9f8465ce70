package falconh1r.reward;

import java.util.ArrayList;
import java.util.List;

/** Python's str.split(sep) (every piece kept, empty ones included), used where the ported code splits. */
final class PyStrings {
    private PyStrings() {}

    static List<String> split(String s, String sep) {
        List<String> parts = new ArrayList<>();
        int from = 0;
        for (int i = s.indexOf(sep); i >= 0; i = s.indexOf(sep, from)) {
            parts.add(s.substring(from, i));
            from = i + sep.length();
        }
        parts.add(s.substring(from));
        return parts;
    }
}
