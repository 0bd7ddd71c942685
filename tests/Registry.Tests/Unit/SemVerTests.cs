using Registry.Core.Versions;

namespace Registry.Tests.Unit;

public sealed class SemVerTests
{
    private static FeatureVersion V(string version) => new() { FeatureName = "f_x", Version = version, CreatedBy = "t" };

    [Fact]
    public void Precedence_orders_pre_releases_before_releases_and_numbers_numerically()
    {
        var shuffled = new[] { "1.10.0", "1.0.0-rc.1", "1.0.1", "1.0.0", "1.0.0-alpha", "1.0.0-rc.10", "1.0.0-rc.2", "2.0.0-beta+exp.sha.5114f85" };
        var ordered = SemVer.NewestFirst(shuffled.Select(V)).Select(v => v.Version).Reverse();
        Assert.Equal(["1.0.0-alpha", "1.0.0-rc.1", "1.0.0-rc.2", "1.0.0-rc.10", "1.0.0", "1.0.1", "1.10.0", "2.0.0-beta+exp.sha.5114f85"], ordered);
    }

    [Theory]
    [InlineData("1.2.3", "major", "2.0.0")]
    [InlineData("1.2.3", "minor", "1.3.0")]
    [InlineData("1.2.3", "patch", "1.2.4")]
    [InlineData("1.0.0+build", "patch", "1.0.1")]
    // A pre-release is released by a bump of its kind, as npm's semver.inc does.
    [InlineData("2.0.0-rc.1", "major", "2.0.0")]
    [InlineData("2.0.0-rc.1", "minor", "2.0.0")]
    [InlineData("2.0.0-rc.1", "patch", "2.0.0")]
    [InlineData("2.1.0-beta", "major", "3.0.0")]
    [InlineData("2.1.0-beta", "minor", "2.1.0")]
    [InlineData("2.1.0-beta", "patch", "2.1.0")]
    [InlineData("2.1.3-rc.2", "major", "3.0.0")]
    [InlineData("2.1.3-rc.2", "minor", "2.2.0")]
    [InlineData("2.1.3-rc.2", "patch", "2.1.3")]
    public void Bumps(string from, string bump, string expected) =>
        Assert.Equal(expected, SemVer.Bump(SemVer.Parse(from), Enum.Parse<VersionBump>(bump, ignoreCase: true)).ToFullString());

    [Theory]
    [InlineData("1.0.0+a", "1.0.0")]
    [InlineData("1.0.0-rc.1+a", "1.0.0-rc.1")]
    public void Build_metadata_is_not_part_of_the_key(string version, string key) => Assert.Equal(key, SemVer.Key(SemVer.Parse(version)));
}
