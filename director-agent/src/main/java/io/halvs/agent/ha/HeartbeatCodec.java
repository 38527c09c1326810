package io.halvs.agent.ha;

import io.halvs.agent.metrics.AgentMetrics;
import io.halvs.agent.runtime.Election.Role;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The heartbeat datagram and its checks: HMAC-SHA256 over everything before the 32-byte tag, the pair and the
 * expected sender, and a replay guard (the sequence grows within an epoch; a new epoch must carry a timestamp
 * within {@link #NEW_EPOCH_WINDOW_MILLIS} of this director's clock). Whatever arrives, {@link #decode} returns
 * null and counts it rather than throwing. Encoding and decoding are synchronized (one Mac each).
 */
public final class HeartbeatCodec {
  static final byte[] MAGIC = "HLV1".getBytes(StandardCharsets.US_ASCII);
  static final int TAG = 32;
  static final long NEW_EPOCH_WINDOW_MILLIS = 30_000;
  static final int MAX_EPOCHS = 16;

  /**
   * One heartbeat. activeForMillis: how long the sender has been active (0 when not). The flags byte carries
   * eligible (bit 0), released (bit 1: the sender removed its VIPs for the receiver to take at once) and leaving
   * (bit 2: the sender's agent is shutting down); like every field they are under the MAC and the replay guard.
   */
  public record Message(String pair, String node, long epoch, long seq, long sentWallMillis, Role role,
      long activeForMillis, boolean eligible, long leaseTerm, long connections, boolean released,
      boolean leaving) {
    public Message(String pair, String node, long epoch, long seq, long sentWallMillis, Role role,
        long activeForMillis, boolean eligible, long leaseTerm, long connections) {
      this(pair, node, epoch, seq, sentWallMillis, role, activeForMillis, eligible, leaseTerm, connections, false,
          false);
    }
  }

  static final int ELIGIBLE = 1;
  static final int RELEASED = 2;
  static final int LEAVING = 4;

  private static final AgentMetrics METRICS = AgentMetrics.get();

  public final AtomicLong accepted = new AtomicLong();
  public final AtomicLong badMac = new AtomicLong();
  public final AtomicLong replayed = new AtomicLong();
  public final AtomicLong malformed = new AtomicLong();
  public final AtomicLong foreign = new AtomicLong();

  private Mac mac; // signs, and verifies
  private List<Mac> alsoAccepted = List.of(); // verify only: a key rotation's other key
  private final String pair;
  private final String expectedSender;
  /** epoch -> highest sequence accepted; insertion-ordered so the oldest epoch is forgotten first. */
  private final Map<Long, Long> epochs = new LinkedHashMap<>();

  public HeartbeatCodec(byte[] key, String pair, String expectedSender) {
    mac = mac(key);
    this.pair = pair;
    this.expectedSender = expectedSender;
  }

  private static Mac mac(byte[] key) {
    if (key == null || key.length == 0) {
      throw new IllegalArgumentException("heartbeat HMAC key is empty");
    }
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(new SecretKeySpec(key, "HmacSHA256"));
      return m;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /**
   * A key rotation without a split: heartbeats are signed with {@code key} and accepted under it or any of
   * {@code alsoAccepted}. Both directors first accept the new key while still signing with the old, then sign
   * with the new while still accepting the old, then drop the old (docs/HA.md); at no step does either reject
   * the other's heartbeats, whichever of them has read the Secret first.
   */
  public synchronized void rekey(byte[] key, List<byte[]> alsoAccepted) {
    Mac sign = mac(key);
    List<Mac> verify = new ArrayList<>();
    for (byte[] k : alsoAccepted) {
      verify.add(mac(k));
    }
    mac = sign;
    this.alsoAccepted = List.copyOf(verify);
  }

  public synchronized byte[] encode(Message m) {
    byte[] p = m.pair().getBytes(StandardCharsets.UTF_8);
    byte[] n = m.node().getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(4 + 2 + p.length + 2 + n.length + 8 * 5 + 2 + 8 + TAG);
    b.put(MAGIC).putShort((short) p.length).put(p).putShort((short) n.length).put(n).putLong(m.epoch())
        .putLong(m.seq()).putLong(m.sentWallMillis()).putLong(m.activeForMillis()).putLong(m.connections())
        .put((byte) m.role().ordinal())
        .put((byte) ((m.eligible() ? ELIGIBLE : 0) | (m.released() ? RELEASED : 0) | (m.leaving() ? LEAVING : 0)));
    b.putLong(m.leaseTerm());
    mac.update(b.array(), 0, b.position());
    b.put(mac.doFinal());
    return b.array();
  }

  /** The message, or null (counted) when it fails any check. */
  public synchronized Message decode(byte[] data, int length, long nowWallMillis) {
    if (length < MAGIC.length + TAG || length > data.length) {
      malformed.incrementAndGet();
      METRICS.heartbeatRejected(AgentMetrics.Rejection.MALFORMED);
      return null;
    }
    byte[] got = java.util.Arrays.copyOfRange(data, length - TAG, length);
    boolean authentic = false;
    for (int i = -1; i < alsoAccepted.size() && !authentic; i++) {
      Mac m = i < 0 ? mac : alsoAccepted.get(i);
      m.update(data, 0, length - TAG);
      authentic = MessageDigest.isEqual(m.doFinal(), got); // constant time
    }
    if (!authentic) {
      badMac.incrementAndGet();
      METRICS.heartbeatRejected(AgentMetrics.Rejection.BAD_HMAC);
      return null;
    }
    Message m;
    try {
      ByteBuffer b = ByteBuffer.wrap(data, 0, length - TAG);
      byte[] magic = new byte[4];
      b.get(magic);
      if (!java.util.Arrays.equals(magic, MAGIC)) {
        malformed.incrementAndGet();
        METRICS.heartbeatRejected(AgentMetrics.Rejection.MALFORMED);
        return null;
      }
      String p = string(b);
      String n = string(b);
      long epoch = b.getLong();
      long seq = b.getLong();
      long sent = b.getLong();
      long activeFor = b.getLong();
      long connections = b.getLong();
      int role = b.get();
      int flags = b.get();
      long term = b.getLong();
      if (role < 0 || role >= Role.values().length) {
        malformed.incrementAndGet();
        METRICS.heartbeatRejected(AgentMetrics.Rejection.MALFORMED);
        return null;
      }
      m = new Message(p, n, epoch, seq, sent, Role.values()[role], activeFor, (flags & ELIGIBLE) != 0, term,
          connections, (flags & RELEASED) != 0, (flags & LEAVING) != 0);
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      malformed.incrementAndGet();
      METRICS.heartbeatRejected(AgentMetrics.Rejection.MALFORMED);
      return null;
    }
    if (!m.pair().equals(pair) || !m.node().equals(expectedSender)) {
      foreign.incrementAndGet();
      METRICS.heartbeatRejected(AgentMetrics.Rejection.FOREIGN_PAIR);
      return null;
    }
    Long last = epochs.get(m.epoch());
    if (last == null ? Math.abs(nowWallMillis - m.sentWallMillis()) > NEW_EPOCH_WINDOW_MILLIS : m.seq() <= last) {
      replayed.incrementAndGet();
      METRICS.heartbeatRejected(AgentMetrics.Rejection.REPLAY);
      return null;
    }
    epochs.remove(m.epoch());
    epochs.put(m.epoch(), m.seq());
    if (epochs.size() > MAX_EPOCHS) {
      epochs.remove(epochs.keySet().iterator().next());
    }
    accepted.incrementAndGet();
    return m;
  }

  private static String string(ByteBuffer b) {
    int len = b.getShort() & 0xffff;
    if (len > b.remaining()) {
      throw new BufferUnderflowException();
    }
    byte[] s = new byte[len];
    b.get(s);
    return new String(s, StandardCharsets.UTF_8);
  }

  public String counters() {
    return "accepted=" + accepted + " badMac=" + badMac + " replayed=" + replayed + " malformed=" + malformed
        + " foreign=" + foreign;
  }
}
