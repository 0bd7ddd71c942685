namespace Registry.Core.Features;

/// <summary>
/// Tells in-memory copies of facts derived from a feature's stored definition (its current version and contract, its
/// answer) that it changed, wherever the change was made (ADR 0016). While <see cref="IsLive"/>, every change is signalled,
/// so such copies need no expiry; otherwise they must fall back to their own time limits.
/// </summary>
public interface IFeatureChangeSignal
{
    bool IsLive { get; }

    /// <summary>Moves on with every signal: read it before loading, and keep what was loaded only if it has not moved.</summary>
    long Generation { get; }

    /// <summary>Raised with the changed feature's name, or with null when everything must be forgotten.</summary>
    event Action<string?>? Changed;
}
