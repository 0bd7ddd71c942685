using System.Security.Cryptography;
using System.Text;
using Registry.Core.Values;

namespace Registry.DuckDb.Values;

/// <summary>
/// The folder where one instance spools uploads and exports while DuckDB reads or writes them. It belongs to the
/// values file (one process owns that file, DuckDB's lock says so), so it is this instance's alone: created 0700,
/// files 0600 with unguessable names, each deleted after use, and anything a crash left behind swept at start-up.
/// It is also one of the only folders the sandboxed engine may touch (ADR 0019).
/// </summary>
public sealed class StagingArea
{
    private const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private StagingArea(string directory) => Directory = directory;

    public string Directory { get; }

    /// <summary>
    /// The instance's folder under <see cref="ValueStoreOptions.TempDirectory"/> (by default next to the values file),
    /// named after the values file so that two instances sharing a root never share a folder.
    /// </summary>
    public static StagingArea For(ValueStoreOptions options)
    {
        var file = options.Path == ":memory:" ? null : System.IO.Path.GetFullPath(options.Path);
        var root = options.TempDirectory is { Length: > 0 } configured
            ? System.IO.Path.GetFullPath(configured)
            : System.IO.Path.GetDirectoryName(file) ?? System.IO.Path.GetTempPath();
        // An in-memory database has no file to own a folder by: it gets a folder of its own for its lifetime.
        var owner = file ?? "memory-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var tag = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(owner)))[..12];
        var name = $"{(file is null ? "memory" : System.IO.Path.GetFileName(file))}.staging-{tag}";
        return new StagingArea(System.IO.Path.Combine(root, name));
    }

    /// <summary>Creates the folder (0700) or takes it back from a crashed run: nothing in it belongs to a live request yet.</summary>
    public int Prepare()
    {
        System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Directory)!);
        if (!OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(Directory, FolderMode);
            File.SetUnixFileMode(Directory, FolderMode);
        }
        else System.IO.Directory.CreateDirectory(Directory);
        var swept = 0;
        foreach (var entry in new DirectoryInfo(Directory).EnumerateFileSystemInfos())
        {
            try
            {
                if (entry is DirectoryInfo d) d.Delete(recursive: true);
                else entry.Delete();
                swept++;
            }
            catch (IOException) { /* retried at the next start */ }
        }
        return swept;
    }

    /// <summary>A new, unguessable path in the folder (the file is not created).</summary>
    public string NewFile(string prefix, ValueFormat format) =>
        NewFile(prefix, format == ValueFormat.Csv ? "csv" : "parquet");

    public string NewFile(string prefix, string extension) =>
        System.IO.Path.Combine(Directory, $"{prefix}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}.{extension}");

    /// <summary>Creates <paramref name="file"/> for writing, readable and writable by this user only.</summary>
    public static FileStream Create(string file)
    {
        var options = new FileStreamOptions
        {
            Mode = System.IO.FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 1 << 16,
            Options = FileOptions.Asynchronous,
        };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = FileMode;
        return new FileStream(file, options);
    }
}
