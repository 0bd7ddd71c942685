namespace Registry.Core.Common;

public static class Instants
{
    /// <summary>PostgreSQL keeps microseconds; truncating makes an answer equal a later read of the same row.</summary>
    public static DateTimeOffset ToMicroseconds(this DateTimeOffset value) =>
        new(value.UtcTicks - value.UtcTicks % 10, TimeSpan.Zero);

    public static DateTimeOffset Now(this TimeProvider clock) => clock.GetUtcNow().ToMicroseconds();

    /// <summary>An ISO 8601 duration such as P1D or PT6H; false when empty, malformed or too large for a TimeSpan.</summary>
    public static bool TryParseDuration(string? iso, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrEmpty(iso)) return false;
        try { duration = System.Xml.XmlConvert.ToTimeSpan(iso); return true; }
        catch (FormatException) { return false; }
        catch (OverflowException) { return false; }
    }
}
