package io.tradepulse.connect.common;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.connect.storage.OffsetStorageReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Source partitions whose keys serialize in the same order in every JVM, and the offset lookup that goes with them.
 *
 * <p>Why the order matters: Connect stores a source offset under the serialized bytes of its key,
 * {@code [connector, partition]} as JSON with the partition's entries in the map's iteration order, and finds it
 * again only under the same bytes. {@code Map.of} iterates in an order that is randomized for each JVM
 * ({@code ImmutableCollections.SALT}), so a task restarted in another JVM (a worker restart, or a fail-over to
 * another worker) often serialized the same partition differently, missed its offsets and sent its data again from
 * the start. The partitions here keep their keys sorted.
 */
public final class SourcePartitions {
  private static final Logger log = LoggerFactory.getLogger(SourcePartitions.class);
  /** Up to 6 keys (720 orders) are looked up in the orders of earlier releases; no partition of ours has more. */
  private static final int MAX_LEGACY_KEYS = 6;

  private SourcePartitions() {
  }

  /** A partition from alternating keys and values, iterated (and so serialized) in key order. */
  public static Map<String, String> of(String... keysAndValues) {
    if (keysAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("keys and values must alternate");
    }
    TreeMap<String, String> m = new TreeMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      if (m.put(keysAndValues[i], keysAndValues[i + 1]) != null) {
        throw new IllegalArgumentException("duplicate key " + keysAndValues[i]);
      }
    }
    return Collections.unmodifiableMap(m);
  }

  /**
   * The stored offset of {@code partition}, or null. When there is none under the partition's own key order, the
   * partition is looked up in every other order of its keys, in one call: releases before this class stored offsets
   * in whatever order their JVM's {@code Map.of} iterated. If several such orders hold an offset (the task restarted
   * in JVMs with different orders, each time from the start), one of them is taken, which one is not defined; each
   * is a point the task really reached, so at worst rows after it are sent again, none is skipped. From then on the
   * task writes under the sorted order, which later look-ups find directly.
   */
  public static Map<String, Object> storedOffset(OffsetStorageReader reader, Map<String, ?> partition) {
    Map<String, Object> offset = reader.offset(partition);
    if (offset != null || partition.size() < 2 || partition.size() > MAX_LEGACY_KEYS) {
      return offset;
    }
    List<Map<String, Object>> orders = new ArrayList<>();
    permute(new ArrayList<>(partition.keySet()), 0, partition, orders);
    for (Map<String, Object> found : reader.offsets(orders).values()) {
      if (found != null) {
        log.info("Resuming {} from an offset stored under another key order (by an earlier release): {}", partition,
            found);
        return found;
      }
    }
    return null;
  }

  /**
   * One order of a partition's keys. Equal only to itself: all orders are equal as maps, and
   * {@link OffsetStorageReader#offsets} answers in a map keyed by the partitions it was asked for, in which equal
   * partitions would collapse into one entry (holding whichever order was answered last, usually a missing one).
   */
  private static final class KeyOrder extends LinkedHashMap<String, Object> {
    @Override
    public boolean equals(Object o) {
      return this == o;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(this);
    }
  }

  /** Every order of {@code keys} from position {@code from} on, as insertion-ordered copies of {@code partition}. */
  private static void permute(List<String> keys, int from, Map<String, ?> partition, List<Map<String, Object>> out) {
    if (from == keys.size()) {
      Map<String, Object> ordered = new KeyOrder();
      keys.forEach(k -> ordered.put(k, partition.get(k)));
      out.add(ordered);
      return;
    }
    for (int i = from; i < keys.size(); i++) {
      Collections.swap(keys, from, i);
      permute(keys, from + 1, partition, out);
      Collections.swap(keys, from, i);
    }
  }
}
