package io.tradepulse.launcher;

import io.tradepulse.connect.runner.ConnectorFailedException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A failed connector or task in one line. The worker keeps only the trace of what the task threw, as text, and {@link
 * ConnectorFailedException}'s message is that whole trace: ingest's step line ("[4/5] Ingesting ... FAILED after 5.7 s:
 * ...") had some 60 stack frames on stdout, and its "tradepulse ingest failed: ..." line named Connect's wrapper
 * ("Tolerance exceeded in error handler"), the cause ("Schema registry unavailable at [...]") only in a "Caused by"
 * further down. The line here names the wrapper and each cause the trace lists, as {@link Main#messages} does for an
 * exception the launcher holds.
 */
final class ConnectorFailures {
    /** {@code fully.qualified.Name: message} or {@code fully.qualified.Name}, as Throwable.toString() writes it. */
    private static final Pattern HEAD = Pattern.compile("([\\w$]+(?:\\.[\\w$]+)+)(?::\\s?(.*))?", Pattern.DOTALL);
    private static final String CAUSED_BY = "Caused by: ";
    /** As {@link Main#messages}: enough to reach the root cause of the traces Connect records. */
    private static final int MAX_PARTS = 5;

    private ConnectorFailures() {
    }

    /** "Task 0 of tradepulse-file failed: what: why ...", on one line. */
    static String oneLine(ConnectorFailedException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        // The message is "<who> failed: <trace>" (ConnectorFailedException): the trace starts with the thrown class.
        int failed = e.thrown().isEmpty() ? -1 : message.indexOf(" failed: " + e.thrown());
        if (failed < 0) {
            return collapse(message);
        }
        String who = message.substring(0, failed + " failed".length());
        List<String> causes = causes(message.substring(failed + " failed: ".length()));
        return causes.isEmpty() ? who : who + ": " + String.join(": ", causes);
    }

    /**
     * The distinct messages of a trace's exception and its causes ("Caused by: ..." at the start of a line; those of
     * suppressed exceptions are indented and left out), outermost first, each on one line; a cause's message that an
     * outer one already says is left out, and a cause without one is named by its class.
     */
    static List<String> causes(String trace) {
        List<String> heads = new ArrayList<>();
        StringBuilder head = new StringBuilder();
        boolean inHead = true;
        for (String line : trace.split("\\R", -1)) {
            if (line.startsWith(CAUSED_BY)) {
                if (inHead) {
                    heads.add(head.toString());
                }
                head.setLength(0);
                head.append(line.substring(CAUSED_BY.length()));
                inHead = true;
            } else if (line.startsWith("\t") || line.startsWith(" ")) {
                if (inHead) {
                    heads.add(head.toString());
                }
                inHead = false; // a frame, "... n more", or a suppressed exception
            } else if (inHead) {
                head.append('\n').append(line); // a message on several lines
            }
        }
        if (inHead) {
            heads.add(head.toString());
        }
        List<String> parts = new ArrayList<>();
        for (String h : heads) {
            String text = h.strip();
            if (text.isEmpty() || parts.size() >= MAX_PARTS) {
                continue;
            }
            Matcher m = HEAD.matcher(text);
            String part;
            if (m.matches()) {
                part = m.group(2) == null || m.group(2).isBlank()
                        ? m.group(1).substring(m.group(1).lastIndexOf('.') + 1) : collapse(m.group(2));
            } else {
                part = collapse(text);
            }
            if (parts.stream().noneMatch(p -> p.contains(part))) {
                parts.add(part);
            }
        }
        return parts;
    }

    /** {@code text} on one line: its line breaks, and the blanks around them, as one space. */
    static String collapse(String text) {
        return text.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
