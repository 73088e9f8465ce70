# Sourced by bin/falcon-h1r and bin/test: finds a JDK >= 25 and exports JAVA_HOME.
# Order: $JAVA_HOME, the java on PATH, then /usr/lib/jvm/* (newest first).

falcon_java_major() {  # prints the feature version of the java binary $1, or nothing
    "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
}

falcon_find_jdk() {
    local candidates=() c major
    [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
    if command -v java >/dev/null 2>&1; then
        c=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
        candidates+=("$c")
    fi
    for c in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do candidates+=("${c%/}"); done
    for c in "${candidates[@]}"; do
        [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
        major=$(falcon_java_major "$c/bin/java")
        if [ -n "$major" ] && [ "$major" -ge 25 ]; then
            export JAVA_HOME="$c"
            return 0
        fi
    done
    echo "falcon-h1r: needs a JDK >= 25 (with javac); none found in JAVA_HOME, PATH or /usr/lib/jvm. Install e.g. Temurin 25 and set JAVA_HOME." >&2
    return 1
}
