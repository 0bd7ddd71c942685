namespace Registry.Core.Common;

public static class Instants
{
    /// <summary>PostgreSQL keeps microseconds; truncating makes an answer equal a later read of the same row.</summary>
    public static DateTimeOffset ToMicroseconds(this DateTimeOffset value) =>
        new(value.UtcTicks - value.UtcTicks % 10, TimeSpan.Zero);

    public static DateTimeOffset Now(this TimeProvider clock) => clock.GetUtcNow().ToMicroseconds();
}
