package io.tradepulse.connect.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * What a local file looks like from one {@code stat}, without reading it: the quick check {@code make} and
 * {@code rsync} use to tell that a file has not changed. Equal stamps taken at two moments mean the content is the
 * same, provided the first one was {@link #settledAt settled}.
 *
 * @param size bytes
 * @param modified last-modified time (mtime)
 * @param key {@link BasicFileAttributes#fileKey()}: device and inode on Unix, so a file replaced by rename (a new
 *     inode, whatever size and mtime it was given) is a different file; null where the platform has none
 * @param changed the inode change time (ctime) where the platform has one (the {@code unix} attribute view), else
 *     null. The kernel sets it on every write and rename and no tool can set it back, unlike mtime ({@code touch -d},
 *     {@code cp -p}, {@code rsync -t}, {@code tar} restore it), so a content rewritten in place with its size and
 *     mtime restored is noticed too. A chmod also moves it: that only costs one needless read.
 */
record FileStamp(long size, FileTime modified, Object key, FileTime changed) {
  /**
   * How old a file's mtime must be, when the stamp is taken, for the stamp to stand for its content. A write in the
   * same clock tick as the stat that took the stamp (a tick is a few milliseconds on Linux, 1-2 s on HFS+, FAT or
   * some NFS servers) leaves mtime as it was, and an in-place rewrite of the same length leaves the size too: such
   * a "racily clean" stamp (git's term) would hide that change for good. A minute covers coarse ticks and a
   * network file system's clock that is somewhat off.
   */
  static final Duration SETTLE = Duration.ofMinutes(1);

  static FileStamp of(Path file) throws IOException {
    if (file.getFileSystem().supportedFileAttributeViews().contains("unix")) {
      Map<String, Object> a = Files.readAttributes(file, "unix:size,lastModifiedTime,fileKey,ctime"); // one stat
      return new FileStamp((Long) a.get("size"), (FileTime) a.get("lastModifiedTime"), a.get("fileKey"),
          (FileTime) a.get("ctime"));
    }
    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
    return new FileStamp(a.size(), a.lastModifiedTime(), a.fileKey(), null);
  }

  /**
   * Whether this stamp, taken at {@code takenAt} (wall-clock time: a file system's times are), may later stand for
   * the content read after it: its mtime was at least {@link #SETTLE} old then. A younger (or future) mtime means the
   * file is read again at the next check, as before the quick check existed.
   */
  boolean settledAt(Instant takenAt) {
    return !modified.toInstant().isAfter(takenAt.minus(SETTLE));
  }
}
