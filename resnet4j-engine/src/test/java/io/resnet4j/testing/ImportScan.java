package io.resnet4j.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A small import scan that enforces package direction without a dependency: every reference to
 * {@code io.resnet4j.*} in a source file's code (imports, static imports and fully qualified names; comments
 * and string literals are ignored) is attributed to the package that the file declares.
 * Used by the engine ({@code kernels <- tensor <- nn <- optim <- train}) and by other modules (models never
 * import {@code io.resnet4j.kernels}).
 */
public final class ImportScan {
    private static final Pattern PACKAGE = Pattern.compile("\\bpackage\\s+([\\w.]+)\\s*;");
    private static final Pattern REFERENCE = Pattern.compile("\\bio\\.resnet4j(?:\\.\\w+)+");

    private ImportScan() {
    }

    /** One reference from a source file (in package {@code from}) to a qualified name. */
    public record Reference(Path file, int line, String from, String target) {
        @Override
        public String toString() {
            return file + ":" + line + " (" + from + ") -> " + target;
        }
    }

    /** {@code <repo>/<module>/src/main/java}. */
    public static Path mainSources(String module) {
        return Fixture.repoRoot().resolve(module).resolve("src/main/java");
    }

    /** Every io.resnet4j reference of every .java file under {@code root}. */
    public static List<Reference> scan(Path root) {
        if (!Files.isDirectory(root)) {
            throw new AssertionError("no source directory " + root);
        }
        List<Reference> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java")).sorted()::iterator) {
                String code = stripCommentsAndStrings(Files.readString(file));
                Matcher pm = PACKAGE.matcher(code);
                if (!pm.find()) {
                    throw new AssertionError(file + " declares no package");
                }
                String pkg = pm.group(1);
                Matcher m = REFERENCE.matcher(code);
                while (m.find()) {
                    if (m.start() >= pm.start() && m.end() <= pm.end()) {
                        continue;
                    }
                    out.add(new Reference(root.relativize(file), lineOf(code, m.start()), pkg, m.group()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The number of .java files under root (to show that a scan looked at something). */
    public static long fileCount(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.toString().endsWith(".java")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** References from files in package {@code from} (or its subpackages) to any of {@code forbidden} (or their subpackages). */
    public static List<Reference> violations(List<Reference> refs, String from, String... forbidden) {
        List<Reference> out = new ArrayList<>();
        for (Reference r : refs) {
            if (!within(r.from(), from)) {
                continue;
            }
            for (String f : forbidden) {
                if (within(r.target(), f)) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    /** Fails, listing file:line of each offence, when a file of package {@code from} refers to a forbidden package. */
    public static void assertNoReferences(List<Reference> refs, String from, String... forbidden) {
        List<Reference> bad = violations(refs, from, forbidden);
        if (!bad.isEmpty()) {
            StringBuilder b = new StringBuilder(from + " must not depend on " + String.join(", ", forbidden) + ", but:");
            for (Reference r : bad) {
                b.append("\n  ").append(r);
            }
            throw new AssertionError(b.toString());
        }
    }

    /** Whether {@code name} is package {@code pkg} or lies inside it (a subpackage or a class of it). */
    static boolean within(String name, String pkg) {
        return name.equals(pkg) || name.startsWith(pkg + ".");
    }

    private static int lineOf(String s, int index) {
        int line = 1;
        for (int i = 0; i < index; i++) {
            if (s.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    /** Blanks comments, string, text-block and char literals, keeping newlines so that line numbers stay. */
    static String stripCommentsAndStrings(String s) {
        StringBuilder b = new StringBuilder(s.length());
        int i = 0, n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == '/' && i + 1 < n && s.charAt(i + 1) == '/') {
                while (i < n && s.charAt(i) != '\n') {
                    b.append(' ');
                    i++;
                }
            } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                int end = s.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                blank(s, i, end, b);
                i = end;
            } else if (s.startsWith("\"\"\"", i)) {
                int end = s.indexOf("\"\"\"", i + 3);
                end = end < 0 ? n : end + 3;
                blank(s, i, end, b);
                i = end;
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && s.charAt(j) != c && s.charAt(j) != '\n') {
                    j += s.charAt(j) == '\\' ? 2 : 1;
                }
                int end = Math.min(j + 1, n);
                blank(s, i, end, b);
                i = end;
            } else {
                b.append(c);
                i++;
            }
        }
        return b.toString();
    }

    private static void blank(String s, int from, int to, StringBuilder b) {
        for (int k = from; k < to; k++) {
            b.append(s.charAt(k) == '\n' ? '\n' : ' ');
        }
    }
}
