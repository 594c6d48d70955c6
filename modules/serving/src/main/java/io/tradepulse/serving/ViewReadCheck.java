package io.tradepulse.serving;

import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeSignal;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Whether the view can be read, for readiness: the first change and the first signal, read (and decoded) as the
 * API reads them. A view whose database cannot be read (a failing disk or volume, a closed or broken database)
 * answered every query 500 while /health/ready said 200, so a load balancer kept sending BI clients to it; the
 * view's own failure (its consumer's) did not show it, as a view that has nothing new to write never meets it.
 *
 * <p>Cheap and bounded: two reads of one entry each, at most one at a time and one per {@link #FRESH} however many
 * probes ask (a result stands that long). They run on a thread of their own, not the probe's: a read that hangs (a
 * volume not answering) holds that thread, not the HTTP threads, and a probe waits for it at most {@link #WAIT},
 * then answers with what the last read found; a read outstanding for {@link #HUNG} is a failure. The query permits
 * are not involved: a view busy with the API's queries (503 with Retry-After, which clients retry) stays ready.
 */
final class ViewReadCheck {
    static final Duration FRESH = Duration.ofSeconds(1);
    static final Duration WAIT = Duration.ofSeconds(1);
    /** Below the probes' own timeout (5 s in deploy/kubernetes), so a hung read fails them with a reason. */
    static final Duration HUNG = Duration.ofSeconds(4);

    private final Results view;
    private final Duration fresh;
    private final Duration wait;
    private final Duration hung;

    // Guarded by this.
    private CompletableFuture<Optional<String>> running;
    private long runningSince;
    private Optional<String> last = Optional.empty();
    private long lastAt;
    private boolean checked;

    ViewReadCheck(Results view) {
        this(view, FRESH, WAIT, HUNG);
    }

    ViewReadCheck(Results view, Duration fresh, Duration wait, Duration hung) {
        this.view = view;
        this.fresh = fresh;
        this.wait = wait;
        this.hung = hung;
    }

    /** Why the view cannot be read, or empty. */
    Optional<String> failure() {
        CompletableFuture<Optional<String>> check;
        long since;
        synchronized (this) {
            long now = System.nanoTime();
            if (checked && now - lastAt < fresh.toNanos()) {
                return last;
            }
            if (running == null) {
                CompletableFuture<Optional<String>> started = CompletableFuture.supplyAsync(this::read, r -> {
                    Thread t = new Thread(r, "tradepulse-view-read-check");
                    t.setDaemon(true);
                    t.start();
                });
                running = started;
                runningSince = now;
                started.whenComplete((result, error) -> finished(started, result, error));
                check = started;
            } else {
                check = running;
            }
            since = runningSince;
        }
        try {
            Optional<String> result = check.get(wait.toMillis(), TimeUnit.MILLISECONDS);
            // Recorded here too (the completion's own callback may not have run yet), so the next probe finds it.
            finished(check, result, null);
            return result;
        } catch (TimeoutException e) {
            long outstanding = System.nanoTime() - since;
            if (outstanding >= hung.toNanos()) {
                return Optional.of("a read of the results view's database has not returned for "
                        + TimeUnit.NANOSECONDS.toSeconds(outstanding) + " s");
            }
            synchronized (this) {
                return last; // slow, not hung (yet): as the last read found
            }
        } catch (ExecutionException e) {
            finished(check, null, e.getCause());
            return Optional.of(e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while reading the results view");
        }
    }

    private Optional<String> read() {
        try {
            for (TradeChange c : view.changes(Results.SeriesFilter.ALL, Integer.MIN_VALUE, Integer.MAX_VALUE, null, 1)
                    .rows()) {
                Objects.requireNonNull(c); // decoded, as the API decodes each row it writes
            }
            for (TradeSignal s : view.signals(Results.SeriesFilter.ALL, null, x -> true, null, 1).rows()) {
                Objects.requireNonNull(s);
            }
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.of(e.toString());
        }
    }

    private synchronized void finished(CompletableFuture<Optional<String>> check, Optional<String> result,
            Throwable error) {
        if (running != check) {
            return; // recorded already, by the probe or by the completion's callback, whichever came first
        }
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        last = cause != null ? Optional.of(cause.toString()) : result;
        lastAt = System.nanoTime();
        checked = true;
        running = null;
    }
}
