using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Registry.DuckDb;

/// <summary>
/// Stops the API, with exit code 1, when the values database cannot be opened (ADR 0050): before the open moved off the
/// start path that failure stopped the start, and an API that can never serve values must not look like a running one
/// (a supervisor restarts it, an operator reads the reason in the log). It does not hold up the start while the open runs.
/// </summary>
internal sealed class DuckDbOpenWatch : IHostedService
{
    private readonly DuckDbOpening _opening;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<DuckDbOpenWatch> _logger;
    private readonly Action<int> _setExitCode;

    public DuckDbOpenWatch(DuckDbOpening opening, IHostApplicationLifetime lifetime, ILogger<DuckDbOpenWatch> logger)
        : this(opening, lifetime, logger, code => Environment.ExitCode = code) { }

    /// <summary>The tests' form: they observe the exit code instead of setting their own process's.</summary>
    internal DuckDbOpenWatch(DuckDbOpening opening, IHostApplicationLifetime lifetime, ILogger<DuckDbOpenWatch> logger, Action<int> setExitCode)
    {
        _opening = opening;
        _lifetime = lifetime;
        _logger = logger;
        _setExitCode = setExitCode;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = _opening.Completion.ContinueWith(_ =>
        {
            if (_opening.Failure is not { } failure) return;
            _logger.ValuesOpenFailed(failure);
            _setExitCode(1);
            _lifetime.StopApplication();
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal static partial class DuckDbOpenLog
{
    [LoggerMessage(Level = LogLevel.Critical, Message = "The values database could not be opened; the API stops.")]
    public static partial void ValuesOpenFailed(this ILogger logger, Exception exception);
}
