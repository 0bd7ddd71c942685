using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using Registry.DuckDb.Interop;

namespace Registry.DuckDb;

/// <summary>An error reported by DuckDB, or a missing libduckdb.</summary>
public sealed class DuckDbException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// How the engine is confined (ADR 0019): the only folders SQL may read or write (the store's staging area and snapshot
/// root), the memory every query shares, and the threads. Everything else on the host is out of reach.
/// </summary>
public sealed record DuckDbSandbox(IReadOnlyList<string> AllowedDirectories, string? MemoryLimit = null, int? Threads = null);

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

    /// <summary>
    /// Opens <paramref name="path"/>. With a <paramref name="sandbox"/>, the engine itself keeps SQL away from the host
    /// before any caller's statement runs: no file or network access outside the sandbox's folders, no extension
    /// installed or loaded, and the configuration locked so that no later statement (SET, RESET, PRAGMA) can undo it.
    /// </summary>
    public static DuckDbDatabase Open(string path, DuckDbSandbox? sandbox = null)
    {
        var settings = new Dictionary<string, string>();
        if (sandbox is not null)
        {
            // Read at start-up only, so they go in the open-time configuration.
            settings["autoinstall_known_extensions"] = "false";
            settings["autoload_known_extensions"] = "false";
            settings["allow_community_extensions"] = "false";
        }
        var db = Open(path, settings);
        // Not returned to the pool: the only connection that ever runs a SET, before any caller's connection exists.
        var c = db.Connect();
        try { Configure(c, sandbox); }
        catch
        {
            c.Close();
            db.Dispose();
            throw;
        }
        c.Close();
        return db;
    }

    private static void Configure(DuckDbConnection c, DuckDbSandbox? sandbox)
    {
        // Global: timestamps are UTC throughout, and the session zone decides how offsets in text are read (TIMESTAMPTZ
        // casts). Per connection it would fail once the configuration is locked.
        c.Execute("SET GLOBAL TimeZone = 'UTC'");
        if (sandbox is null) return;
        // allowed_directories must be set while external access is still on; the C API's configuration takes no lists.
        var folders = string.Join(", ", sandbox.AllowedDirectories.Select(d => DuckDbConnection.Literal(WithSeparator(d))));
        c.Execute($"SET GLOBAL allowed_directories = [{folders}]");
        c.Execute("SET GLOBAL enable_external_access = false");
        if (sandbox.MemoryLimit is { Length: > 0 } memory) c.Execute($"SET GLOBAL memory_limit = {DuckDbConnection.Literal(memory)}");
        if (sandbox.Threads is { } threads) c.Execute($"SET GLOBAL threads = {threads.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        c.Execute("SET GLOBAL lock_configuration = true");
    }

    private static string WithSeparator(string directory)
    {
        var full = System.IO.Path.GetFullPath(directory);
        return full.EndsWith(System.IO.Path.DirectorySeparatorChar) ? full : full + System.IO.Path.DirectorySeparatorChar;
    }

    private static DuckDbDatabase Open(string path, Dictionary<string, string> settings)
    {
        _ = LibraryVersion;
        if (path != ":memory:" && System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) is { Length: > 0 } dir) Directory.CreateDirectory(dir);
        Native.CreateConfig(out var config);
        try
        {
            foreach (var (name, value) in settings)
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
        return new DuckDbConnection(connection, this);
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
