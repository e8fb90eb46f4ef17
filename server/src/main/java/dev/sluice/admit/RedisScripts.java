package dev.sluice.admit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua scripts behind {@link RedisCounterStore}. Redis runs a script atomically, so check-and-reserve over
 * every bucket of a request is one indivisible step and one round trip. KEYS come in pairs per bucket: the
 * counter hash ({@code used}, {@code reserved}, {@code r:<id>} per reservation) and a sorted set of
 * reservation ids scored by expiry, so a dead replica's reservations stop counting when they expire.
 */
final class RedisScripts {
  private RedisScripts() {
  }

  /**
   * Drops the reservations of bucket {@code h}/{@code z} that expired by {@code now} (their replica died or lost
   * its settlement), and the tombstones of releases that expired with them. Shared by the scripts that read.
   */
  private static final String EXPIRE = """
      local function expire(h, z, now)
        local gone = redis.call('ZRANGEBYSCORE', z, '-inf', now)
        for _, rid in ipairs(gone) do
          local amt = redis.call('HGET', h, 'r:' .. rid)
          if amt then
            redis.call('HINCRBY', h, 'reserved', -tonumber(amt))
          end
          redis.call('HDEL', h, 'r:' .. rid, 'x:' .. rid)
        end
        if #gone > 0 then redis.call('ZREMRANGEBYSCORE', z, '-inf', now) end
      end
      """;

  /**
   * ARGV: now, id, expiresAt, cost, minCost, moneyCost, then per bucket: capacity, kind, keepUntil, where kind is
   * 1 for tokens (reserves the granted cost, which may shrink down to minCost), 2 for a budget (reserves
   * moneyCost whole) and 0 for the others (reserve 1). Refuses an id that was released before it ran (a
   * tombstone {@code x:<id>} in the first bucket): its caller gave up on it. Budgets hold counter units below
   * 2^53, so the script's doubles compute them exactly (ADR 080).
   */
  static final String RESERVE = EXPIRE + """
      local now = tonumber(ARGV[1])
      local id = ARGV[2]
      local exp = tonumber(ARGV[3])
      local granted = tonumber(ARGV[4])
      local minCost = tonumber(ARGV[5])
      local money = tonumber(ARGV[6])
      local n = #KEYS / 2
      local used, reserved = {}, {}
      local tightest, failed = 0, 0
      local released = redis.call('HEXISTS', KEYS[1], 'x:' .. id) == 1
      for i = 1, n do
        local h, z = KEYS[2*i-1], KEYS[2*i]
        expire(h, z, now)
        local v = redis.call('HMGET', h, 'used', 'reserved')
        used[i] = tonumber(v[1]) or 0
        reserved[i] = tonumber(v[2]) or 0
        local room = tonumber(ARGV[4 + 3*i]) - used[i] - reserved[i]
        local kind = ARGV[5 + 3*i]
        if kind == '1' then
          if room < granted then granted = room; tightest = i end
        else
          local need = 1
          if kind == '2' then need = money end
          if room < need and failed == 0 then failed = i end
        end
      end
      if failed == 0 and granted < minCost then failed = tightest end
      if released and failed == 0 then failed = 1 end
      local out = {0, failed, 0}
      if failed == 0 then
        out = {1, 0, granted}
        for i = 1, n do
          local h, z = KEYS[2*i-1], KEYS[2*i]
          local amt = 1
          local kind = ARGV[5 + 3*i]
          if kind == '1' then amt = granted elseif kind == '2' then amt = money end
          reserved[i] = redis.call('HINCRBY', h, 'reserved', amt)
          redis.call('HSET', h, 'r:' .. id, amt)
          redis.call('ZADD', z, exp, id)
          redis.call('PEXPIREAT', h, ARGV[6 + 3*i])
          redis.call('PEXPIREAT', z, ARGV[6 + 3*i])
        end
      end
      for i = 1, n do
        out[2 + 2*i] = used[i]
        out[3 + 2*i] = reserved[i]
      end
      return out
      """;

  /** Gives back reservation {@code id} in bucket {@code h}/{@code z}, if it is there. Shared by settle and release. */
  private static final String GIVE_BACK = """
      local function give_back(h, z, id)
        local amt = redis.call('HGET', h, 'r:' .. id)
        if amt then
          redis.call('HINCRBY', h, 'reserved', -tonumber(amt))
          redis.call('HDEL', h, 'r:' .. id)
          redis.call('ZREM', z, id)
        end
      end
      """;

  /**
   * ARGV: id, then per bucket: charge, keepUntil. Charges even when the reservation already expired. Returns
   * each bucket's used after the charge, so exactly one settlement sees a budget cross an alert threshold.
   */
  static final String SETTLE = GIVE_BACK + """
      local id = ARGV[1]
      local out = {}
      for i = 1, #KEYS / 2 do
        local h, z = KEYS[2*i-1], KEYS[2*i]
        give_back(h, z, id)
        local charge = tonumber(ARGV[2*i])
        if charge > 0 then
          out[i] = redis.call('HINCRBY', h, 'used', charge)
          if redis.call('PTTL', h) < 0 then redis.call('PEXPIREAT', h, ARGV[2*i + 1]) end
        else
          out[i] = tonumber(redis.call('HGET', h, 'used')) or 0
        end
      end
      return out
      """;

  /**
   * ARGV: id, expiresAt, keepUntil. Gives back a reservation without charging anything, for an admission whose
   * caller gave up (a timeout, a broken connection) after the reserve script may have run. Idempotent and
   * order-free: when the reservation is not there (the reserve never ran, or has not run yet), a tombstone in
   * the first bucket makes the reserve refuse it if it arrives later; the tombstone expires with the reservation.
   */
  static final String RELEASE = GIVE_BACK + """
      local id = ARGV[1]
      if redis.call('HEXISTS', KEYS[1], 'r:' .. id) == 1 then
        for i = 1, #KEYS / 2 do
          give_back(KEYS[2*i-1], KEYS[2*i], id)
        end
        return 1
      end
      redis.call('HSET', KEYS[1], 'x:' .. id, 1)
      redis.call('ZADD', KEYS[2], tonumber(ARGV[2]), id)
      if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIREAT', KEYS[1], ARGV[3]) end
      if redis.call('PTTL', KEYS[2]) < 0 then redis.call('PEXPIREAT', KEYS[2], ARGV[3]) end
      return 0
      """;

  /** KEYS: pairs as for the others; ARGV: now. Reserved amounts leave out what expired, as admission does. */
  static final String PEEK = EXPIRE + """
      local out = {}
      local now = tonumber(ARGV[1])
      for i = 1, #KEYS / 2 do
        local h, z = KEYS[2*i-1], KEYS[2*i]
        expire(h, z, now)
        local v = redis.call('HMGET', h, 'used', 'reserved')
        out[2*i-1] = tonumber(v[1]) or 0
        out[2*i] = tonumber(v[2]) or 0
      end
      return out
      """;

  /**
   * ARGV per bucket: amount, keepUntil. Adds usage counted on a replica's own counters while Redis was away (the
   * fail-open mode), so the windows it served in know it once Redis answers again.
   */
  static final String ADD_USED = """
      for i = 1, #KEYS do
        redis.call('HINCRBY', KEYS[i], 'used', tonumber(ARGV[2*i-1]))
        if redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIREAT', KEYS[i], ARGV[2*i]) end
      end
      return 1
      """;

  static String sha1(String script) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
