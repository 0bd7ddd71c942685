using System.Globalization;
using System.Text;
using Registry.Core.Online;
using Registry.Core.Values;
using StackExchange.Redis;

namespace Registry.Redis;

/// <summary>
/// Keys and values of the online store (ADR 0034; generation keys, ADR 0055).
/// <para>
/// A key is <c>{prefix}v:{feature}:{contract major}:{entity}</c>. A feature name is [a-z0-9_] and a major is digits, so
/// the entity starts after the third colon whatever it holds (colons, '*', spaces, braces, any length): two different
/// (feature, major, entity) triples can never make the same key. Keys are only ever named whole (GET, SET, MGET), never
/// matched as patterns, and every value reaches Lua as an argument, never as script text, so an entity id cannot inject.
/// </para>
/// <para>
/// A value is <c>{event µs}|{ingested µs}|{feature version}|{type tag}{payload}</c>, both instants as 18 zero-padded
/// digits of microseconds since 0001-01-01 (always positive), so the first 37 characters compare as text in the order
/// of the latest value: event time, then ingestion time. The write script keeps whichever is greater. The tag keeps
/// null apart from an empty string and brings each value back as the CLR type the values store reads.
/// </para>
/// </summary>
internal static class OnlineEncoding
{
    /// <summary>The ordering part of a value: 18 + 1 + 18 characters.</summary>
    public const int OrderLength = 37;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static RedisKey Key(string prefix, string feature, int contractMajor, string entity) =>
        Key(KeyStart(prefix, feature, contractMajor), Utf8.GetBytes(entity));

    /// <summary>Everything of a key before the entity: made once per member when a request names many entities.</summary>
    public static byte[] KeyStart(string prefix, string feature, int contractMajor) =>
        Utf8.GetBytes(string.Concat(prefix, "v:", feature, ":", contractMajor.ToString(CultureInfo.InvariantCulture), ":"));

    public static byte[] EntityBytes(string entity) => Utf8.GetBytes(entity);

    public static RedisKey Key(byte[] start, byte[] entity)
    {
        var key = new byte[start.Length + entity.Length];
        start.CopyTo(key, 0);
        entity.CopyTo(key, start.Length);
        return key;
    }

    public static RedisKey Complete(string prefix) => prefix + "complete";

    /// <summary>
    /// <c>{prefix}g:{feature}</c>: the token of the feature's last write that changed a key (ADR 0055). A feature name is
    /// [a-z0-9_], so it never meets a value key (<c>v:</c>), the marker or the epoch.
    /// </summary>
    public static RedisKey Generation(string prefix, string feature) => string.Concat(prefix, "g:", feature);

    public static string Encode(OnlineRow row)
    {
        var sb = new StringBuilder(64);
        sb.Append(Micros(row.EventTs).ToString("D18", CultureInfo.InvariantCulture)).Append('|')
          .Append(Micros(row.IngestedAt).ToString("D18", CultureInfo.InvariantCulture)).Append('|')
          .Append(row.FeatureVersion).Append('|');
        switch (row.Value)
        {
            case null: sb.Append('n'); break;
            case double d: sb.Append('d').Append(d.ToString("R", CultureInfo.InvariantCulture)); break;
            case long l: sb.Append('i').Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case int i: sb.Append('i').Append(i.ToString(CultureInfo.InvariantCulture)); break;
            case bool b: sb.Append('b').Append(b ? '1' : '0'); break;
            case DateTimeOffset t: sb.Append('t').Append(Micros(t).ToString(CultureInfo.InvariantCulture)); break;
            case string s: sb.Append('s').Append(s); break;
            default: throw new ArgumentException($"A value of type {row.Value.GetType().Name} cannot be kept online.", nameof(row));
        }
        return sb.ToString();
    }

    /// <summary>The stored value of <paramref name="entity"/>, or null when the bytes are not one of ours.</summary>
    public static ValueRow? Decode(string entity, ReadOnlySpan<byte> stored) =>
        TryParse(stored, out var ev, out var ing, out var version, out var value)
            ? new ValueRow(entity, Instant(ev), value, Utf8.GetString(stored.Slice(version.Start, version.Length)), Instant(ing))
            : null;

    /// <summary>What a vector needs (event time and value), read from the stored bytes without making their text.</summary>
    public static LatestValue? DecodeLatest(ReadOnlySpan<byte> stored) =>
        TryParse(stored, out var ev, out _, out _, out var value) ? new LatestValue(Instant(ev), value) : null;

    private static bool TryParse(ReadOnlySpan<byte> b, out long ev, out long ing, out (int Start, int Length) version, out object? value)
    {
        (ev, ing, version, value) = (0, 0, default, null);
        if (b.Length < OrderLength + 3 || b[18] != '|' || b[OrderLength] != '|') return false;
        var versionEnd = b[(OrderLength + 1)..].IndexOf((byte)'|');
        if (versionEnd < 0) return false;
        versionEnd += OrderLength + 1;
        if (versionEnd + 1 >= b.Length) return false;
        if (!long.TryParse(b[..18], NumberStyles.None, CultureInfo.InvariantCulture, out ev)
            || !long.TryParse(b.Slice(19, 18), NumberStyles.None, CultureInfo.InvariantCulture, out ing)) return false;
        version = (OrderLength + 1, versionEnd - OrderLength - 1);
        var payload = b[(versionEnd + 2)..];
        value = b[versionEnd + 1] switch
        {
            (byte)'n' => null,
            (byte)'d' => double.Parse(payload, NumberStyles.Float, CultureInfo.InvariantCulture),
            (byte)'i' => long.Parse(payload, NumberStyles.Integer, CultureInfo.InvariantCulture),
            (byte)'b' => payload.SequenceEqual("1"u8),
            (byte)'t' => Instant(long.Parse(payload, NumberStyles.Integer, CultureInfo.InvariantCulture)),
            (byte)'s' => Utf8.GetString(payload),
            _ => throw new FormatException("Unknown value tag in the online store."),
        };
        return true;
    }

    public static long Micros(DateTimeOffset t) => t.UtcTicks / 10;

    public static DateTimeOffset Instant(long micros) => new(micros * 10, TimeSpan.Zero);

    /// <summary>Unix milliseconds at which a value of <paramref name="eventTs"/> stops being servable; 0 for never.</summary>
    public static long ExpireAt(DateTimeOffset eventTs, TimeSpan? ttl)
    {
        if (ttl is not { } t) return 0;
        var at = eventTs + t;
        // An instant already gone (or before 1970) is expired: -1 tells the script to skip the row.
        return at <= DateTimeOffset.UnixEpoch ? -1 : at.ToUnixTimeMilliseconds();
    }
}
