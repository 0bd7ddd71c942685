using Microsoft.Extensions.Logging;

namespace Registry.DuckDb.Online;

/// <summary>The online store's log lines, source-generated (CA1848).</summary>
internal static partial class OnlineLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "The online store is unavailable: {Feature}'s latest values are committed to DuckDB and queued for repair")]
    public static partial void Unavailable(this ILogger logger, string feature);

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing {Feature}'s latest values to the online store failed; they are committed to DuckDB and queued for repair")]
    public static partial void WriteFailed(this ILogger logger, Exception exception, string feature);

    [LoggerMessage(Level = LogLevel.Information, Message = "The online store is reachable again; pending copies were repaired")]
    public static partial void Reachable(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The online store is unavailable ({Detail}); repair waits for it")]
    public static partial void RepairWaits(this ILogger logger, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "Online store upkeep failed; retrying")]
    public static partial void UpkeepFailed(this ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The online store holds no complete copy of the latest values; backfilling every feature")]
    public static partial void BackfillingAll(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Repaired {Feature} in the online store: {Rows} latest values since {Since:O}, {Written} keys changed")]
    public static partial void Repaired(this ILogger logger, string feature, long rows, DateTimeOffset since, long written);

    [LoggerMessage(Level = LogLevel.Information, Message = "Online store backfill of {Scope} done: {Features} features, {Rows} latest values read, {Written} keys changed")]
    public static partial void BackfillDone(this ILogger logger, string scope, long features, long rows, long written);
}
