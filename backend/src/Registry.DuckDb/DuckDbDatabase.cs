using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using Registry.DuckDb.Interop;

namespace Registry.DuckDb;

/// <summary>An error reported by DuckDB, or a missing libduckdb.</summary>
public sealed class DuckDbException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// One DuckDB database file, opened once per process and shared: two handles on one file in one process
/// would be independent instances that can corrupt it. Connections are pooled; each keeps its prepared statements.
/// </summary>
public sealed class DuckDbDatabase : IDisposable
{
    private readonly DatabaseHandle _handle;
    private readonly ConcurrentBag<DuckDbConnection> _idle = [];
    private int _disposed;

    private DuckDbDatabase(DatabaseHandle handle, string path)
    {
        _handle = handle;
        Path = path;
    }

    public string Path { get; }

    /// <summary>The libduckdb version, e.g. v1.5.6; throws a clear <see cref="DuckDbException"/> when the library is missing.</summary>
    public static string LibraryVersion
    {
        get
        {
            try { return Native.Utf8(Native.LibraryVersion()) ?? "unknown"; }
            catch (DllNotFoundException e)
            {
                throw new DuckDbException(
                    "libduckdb.so was not found next to the application. It comes from the npm package pinned in " +
                    "backend/native: run `npm ci` there (or `dotnet build`, which does it), or set DUCKDB_LIBRARY_PATH.", e);
            }
        }
    }

    public static DuckDbDatabase Open(string path, IReadOnlyDictionary<string, string>? settings = null)
    {
        _ = LibraryVersion;
        if (path != ":memory:" && System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) is { Length: > 0 } dir) Directory.CreateDirectory(dir);
        Native.CreateConfig(out var config);
        try
        {
            foreach (var (name, value) in settings ?? new Dictionary<string, string>())
            {
                if (Native.SetConfig(config, name, value) != Native.Success)
                    throw new DuckDbException($"DuckDB rejected the setting {name}={value}.");
            }
            var handle = new DatabaseHandle();
            if (Native.OpenExt(path, out var db, config, out var error) != Native.Success)
            {
                var message = Native.Utf8(error);
                if (error != 0) Native.Free(error);
                handle.Dispose();
                throw new DuckDbException($"Cannot open the DuckDB database '{path}': {message}");
            }
            handle.Set(db);
            return new DuckDbDatabase(handle, path);
        }
        finally { Native.DestroyConfig(ref config); }
    }

    public DuckDbConnection Connect()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var connection = new ConnectionHandle(_handle);
        if (Native.Connect(_handle.DangerousGetHandle(), out var raw) != Native.Success)
        {
            connection.Dispose();
            throw new DuckDbException("DuckDB refused a new connection.");
        }
        connection.Set(raw);
        var c = new DuckDbConnection(connection, this);
        // Timestamps are UTC throughout; the session zone decides how offsets in text are read (TIMESTAMPTZ casts).
        c.Execute("SET TimeZone = 'UTC'");
        return c;
    }

    /// <summary>A pooled connection; dispose the lease to give it back. A connection left inside a transaction is closed, not reused.</summary>
    public DuckDbConnection Rent() => _idle.TryTake(out var c) ? c : Connect();

    internal void Return(DuckDbConnection connection)
    {
        if (_disposed != 0 || connection.InTransaction || _idle.Count >= 32) connection.Close();
        else _idle.Add(connection);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        while (_idle.TryTake(out var c)) c.Close();
        _handle.Dispose();
    }

    internal static byte[] Utf8Z(string text)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }

    /// <summary>Resolves "duckdb" to libduckdb.so next to the app, or to DUCKDB_LIBRARY_PATH.</summary>
    internal static nint Resolve(string name, System.Reflection.Assembly assembly, DllImportSearchPath? path)
    {
        if (name != "duckdb") return 0;
        foreach (var candidate in new[]
                 {
                     Environment.GetEnvironmentVariable("DUCKDB_LIBRARY_PATH"),
                     System.IO.Path.Combine(AppContext.BaseDirectory, "libduckdb.so"),
                     System.IO.Path.Combine(System.IO.Path.GetDirectoryName(assembly.Location) ?? "", "libduckdb.so"),
                 })
        {
            if (!string.IsNullOrEmpty(candidate) && File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var lib)) return lib;
        }
        return 0;
    }

    static DuckDbDatabase() => NativeLibrary.SetDllImportResolver(typeof(DuckDbDatabase).Assembly, Resolve);
}
