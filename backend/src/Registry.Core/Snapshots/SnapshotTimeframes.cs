namespace Registry.Core.Snapshots;

/// <summary>
/// The candle timeframes of the original system (1m/5m/15m/1h, and the daily bars), plus <c>raw</c>: no grid, one row
/// per stored event time. A fixed vocabulary, because the timeframe is a directory name in the snapshot's layout.
/// </summary>
public static class SnapshotTimeframes
{
    public const string Raw = "raw";

    private static readonly Dictionary<string, TimeSpan> Steps = new(StringComparer.Ordinal)
    {
        ["1m"] = TimeSpan.FromMinutes(1),
        ["5m"] = TimeSpan.FromMinutes(5),
        ["15m"] = TimeSpan.FromMinutes(15),
        ["30m"] = TimeSpan.FromMinutes(30),
        ["1h"] = TimeSpan.FromHours(1),
        ["4h"] = TimeSpan.FromHours(4),
        ["1d"] = TimeSpan.FromDays(1),
    };

    /// <summary>Every accepted value, shortest step first, then raw.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Steps.Keys, Raw];

    /// <summary>True for a known timeframe; <paramref name="step"/> is null for raw.</summary>
    public static bool TryGetStep(string timeframe, out TimeSpan? step)
    {
        step = null;
        if (timeframe == Raw) return true;
        if (!Steps.TryGetValue(timeframe, out var s)) return false;
        step = s;
        return true;
    }

    /// <summary>
    /// The first grid instant at or after <paramref name="from"/>. The grid is aligned on the Unix epoch (UTC), as candles
    /// are: 1h rows fall on the hour, 1d rows at 00:00 UTC, whatever instant the range starts at.
    /// </summary>
    public static DateTimeOffset FirstInstant(DateTimeOffset from, TimeSpan step)
    {
        var ticks = from.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var aligned = ticks - (((ticks % step.Ticks) + step.Ticks) % step.Ticks);
        if (aligned < ticks) aligned += step.Ticks;
        return new DateTimeOffset(DateTimeOffset.UnixEpoch.UtcTicks + aligned, TimeSpan.Zero);
    }

    /// <summary>How many grid instants fall in [from, to).</summary>
    public static long GridCount(DateTimeOffset from, DateTimeOffset to, TimeSpan step)
    {
        var first = FirstInstant(from, step);
        return first >= to ? 0 : (to - first).Ticks / step.Ticks + ((to - first).Ticks % step.Ticks == 0 ? 0 : 1);
    }
}
