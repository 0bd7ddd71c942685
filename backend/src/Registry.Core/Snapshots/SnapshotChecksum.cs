using System.Security.Cryptography;
using System.Text;

namespace Registry.Core.Snapshots;

/// <summary>
/// The snapshot's checksum: SHA-256 of its manifest, the text <c>sha256sum</c> prints for its files (one line
/// <c>{sha256}  {path}\n</c> per file, lowercase hex, two spaces, paths relative to the snapshot's directory, ordered by
/// path). So from the snapshot's directory, <c>sha256sum {feature_set}/{timeframe}/*.parquet | sha256sum</c> gives it
/// again, and a renamed, missing, extra or changed file changes it.
/// </summary>
public static class SnapshotChecksum
{
    public static string Manifest(IEnumerable<SnapshotFile> files) =>
        string.Concat(files.OrderBy(f => f.Path, StringComparer.Ordinal).Select(f => $"{f.Sha256}  {f.Path}\n"));

    public static string Compute(IEnumerable<SnapshotFile> files) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Manifest(files))));
}
