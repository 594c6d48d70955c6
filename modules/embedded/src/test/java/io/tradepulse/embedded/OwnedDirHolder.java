package io.tradepulse.embedded;

/** Run by {@link OwnedTempDirsTest} in its own JVM: makes an owned temp dir, reports it, and waits to be killed. */
public final class OwnedDirHolder {

    static final String PREFIX = "OWNED ";

    private OwnedDirHolder() {
    }

    public static void main(final String[] args) throws Exception {
        System.out.println(PREFIX + OwnedTempDirs.create("tradepulse-holder-"));
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
