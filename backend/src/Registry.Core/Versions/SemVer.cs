using NuGet.Versioning;

namespace Registry.Core.Versions;

public enum VersionBump { Major, Minor, Patch }

/// <summary>SemVer 2.0 through NuGet.Versioning's strict parser: no 'v' prefix, no leading zeros, three parts.</summary>
public static class SemVer
{
    public static bool TryParse(string? text, out SemanticVersion version)
    {
        version = null!;
        return text is { Length: > 0 and <= 128 } && SemanticVersion.TryParse(text, out version!);
    }

    public static SemanticVersion Parse(string text) => SemanticVersion.Parse(text);

    /// <summary>The precedence key: build metadata does not order versions, so it cannot tell two apart either.</summary>
    public static string Key(SemanticVersion version) => version.ToNormalizedString();

    /// <summary>
    /// The next version after <paramref name="highest"/>, by npm's <c>semver.inc</c>: a bump of a pre-release of that
    /// kind releases it (2.0.0-rc.1 + major = 2.0.0, 1.3.0-beta + minor = 1.3.0, 1.2.4-rc.1 + patch = 1.2.4), which is
    /// greater than the pre-release; otherwise the number goes up (1.2.4-rc.1 + minor = 1.3.0). Build metadata is dropped.
    /// </summary>
    public static SemanticVersion Bump(SemanticVersion highest, VersionBump bump) => bump switch
    {
        VersionBump.Major when highest.IsPrerelease && highest is { Minor: 0, Patch: 0 } => new SemanticVersion(highest.Major, 0, 0),
        VersionBump.Minor when highest.IsPrerelease && highest.Patch == 0 => new SemanticVersion(highest.Major, highest.Minor, 0),
        VersionBump.Patch when highest.IsPrerelease => new SemanticVersion(highest.Major, highest.Minor, highest.Patch),
        _ when (bump == VersionBump.Major ? highest.Major : bump == VersionBump.Minor ? highest.Minor : highest.Patch) == int.MaxValue =>
            throw new Common.RuleViolationException("The version cannot be bumped.",
                $"{highest} has no next {bump.ToString().ToLowerInvariant()} version: its {bump.ToString().ToLowerInvariant()} number is the largest there is."),
        VersionBump.Major => new SemanticVersion(highest.Major + 1, 0, 0),
        VersionBump.Minor => new SemanticVersion(highest.Major, highest.Minor + 1, 0),
        _ => new SemanticVersion(highest.Major, highest.Minor, highest.Patch + 1),
    };

    /// <summary>The highest version by precedence; every feature has at least 1.0.0.</summary>
    public static SemanticVersion Highest(IEnumerable<FeatureVersion> versions) =>
        versions.Select(v => Parse(v.Version)).Max(VersionComparer.Default)!;

    /// <summary>The version with the same precedence as <paramref name="version"/> (build metadata ignored), or null.</summary>
    public static FeatureVersion? Find(IEnumerable<FeatureVersion> versions, string version)
    {
        var key = Key(Parse(version));
        return versions.FirstOrDefault(v => Key(Parse(v.Version)) == key);
    }

    /// <summary>Newest first by SemVer precedence: 1.10.0, 1.0.1, 1.0.0, 1.0.0-rc.1.</summary>
    public static IEnumerable<FeatureVersion> NewestFirst(IEnumerable<FeatureVersion> versions) =>
        versions.OrderByDescending(v => Parse(v.Version), VersionComparer.Default);
}
