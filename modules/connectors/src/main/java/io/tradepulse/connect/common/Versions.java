package io.tradepulse.connect.common;

/** Version reported by the connectors and tasks (the Maven project version when packaged). */
public final class Versions {
  private Versions() {}

  public static final String VERSION = versionOf();

  private static String versionOf() {
    String v = Versions.class.getPackage() == null ? null : Versions.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0-SNAPSHOT" : v;
  }
}
