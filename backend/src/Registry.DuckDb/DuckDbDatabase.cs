using System.Collections.Concurrent;
using System.Globalization;
using DuckDB.NET.Data;

namespace Registry.DuckDb;

/// <summary>
/// How the engine is confined (ADR 0019): the only folders SQL may read or write (the store's staging area and snapshot
/// root), the memory every query shares, the threads, and where and how much it may spill beyond that memory (ADR 0042).
/// Everything else on the host is out of reach.
/// </summary>
public sealed record DuckDbSandbox(IReadOnlyList<string> AllowedDirectories, string? MemoryLimit = null, int? Threads = null,
    string? SpillDirectory = null, string? MaxSpillSize = null);

/// <summary>
/// One DuckDB database, opened once per process through DuckDB.NET and shared (ADR 0023). DuckDB.NET keeps one engine
/// instance per file while any of its connections is open; this class holds one such connection for its whole life (the
/// anchor, which configured the sandbox and never runs a caller's SQL), so the instance and its locked configuration
/// live exactly as long as this object. Callers rent pooled sessions.
/// </summary>
public sealed class DuckDbDatabase : IDisposable
{
    private readonly DuckDBConnection _anchor;
    private readonly string _connectionString;
    private readonly bool _inMemory;
    private readonly ConcurrentBag<DuckDbSession> _idle = [];
    private int _disposed;

    /// <summary>Files open in this process. DuckDB.NET would hand a second opener the first one's instance, sandbox and all.</summary>
    private static readonly ConcurrentDictionary<string, bool> OpenFiles = new(StringComparer.Ordinal);

    private DuckDbDatabase(DuckDBConnection anchor, string connectionString, string path)
    {
        _anchor = anchor;
        _connectionString = connectionString;
        _inMemory = path == ":memory:";
        Path = path;
    }

    public string Path { get; }

    /// <summary>The libduckdb version DuckDB.NET loaded, e.g. v1.5.6.</summary>
    public static string LibraryVersion
    {
        get
        {
            using var c = new DuckDBConnection("Data Source=:memory:");
            c.Open();
            return c.ServerVersion;
        }
    }

    /// <summary>
    /// Opens <paramref name="path"/>. With a <paramref name="sandbox"/>, the engine itself keeps SQL away from the host
    /// before any caller's statement runs: no file or network access outside the sandbox's folders, no extension
    /// installed or loaded, and the configuration locked so that no later statement (SET, RESET, PRAGMA) can undo it.
    /// Then the file's own schema is brought to this build's version (<see cref="DuckDbMigrations"/>).
    /// </summary>
    public static DuckDbDatabase Open(string path, DuckDbSandbox? sandbox = null, IReadOnlyList<DuckDbMigration>? migrations = null)
    {
        var full = path == ":memory:" ? path : System.IO.Path.GetFullPath(path);
        if (full != ":memory:" && System.IO.Path.GetDirectoryName(full) is { Length: > 0 } dir) Directory.CreateDirectory(dir);
        if (full != ":memory:" && !OpenFiles.TryAdd(full, true))
            throw new DuckDbSchemaException($"The DuckDB database '{path}' is already open in this process; share its one DuckDbDatabase.");
        try { return Open(full, path, sandbox, migrations); }
        catch
        {
            OpenFiles.TryRemove(full, out _);
            throw;
        }
    }

    private static DuckDbDatabase Open(string full, string path, DuckDbSandbox? sandbox, IReadOnlyList<DuckDbMigration>? migrations)
    {
        var builder = new DuckDBConnectionStringBuilder { DataSource = full };
        if (sandbox is not null)
        {
            // Read at start-up only, so they go in the open-time configuration (DuckDB.NET passes unknown keys to duckdb_set_config).
            builder["autoinstall_known_extensions"] = "false";
            builder["autoload_known_extensions"] = "false";
            builder["allow_community_extensions"] = "false";
        }
        var anchor = new DuckDBConnection(builder.ConnectionString);
        try
        {
            try { anchor.Open(); }
            catch (DuckDBException e)
            {
                throw new DuckDbSchemaException($"Cannot open the DuckDB database '{path}': {e.Message}", e);
            }
            Configure(anchor, sandbox);
        }
        catch
        {
            anchor.Dispose();
            throw;
        }
        var db = new DuckDbDatabase(anchor, builder.ConnectionString, full);
        try
        {
            using var s = db.Rent();
            DuckDbMigrations.Apply(s, migrations ?? DuckDbMigrations.All);
        }
        catch
        {
            db.Dispose();
            throw;
        }
        return db;
    }

    private static void Configure(DuckDBConnection c, DuckDbSandbox? sandbox)
    {
        // Global: timestamps are UTC throughout, and the session zone decides how offsets in text are read (TIMESTAMPTZ
        // casts). Per connection it would fail once the configuration is locked.
        Run(c, "SET GLOBAL TimeZone = 'UTC'");
        if (sandbox is null) return;
        // The spill folder is the engine's own (not a folder SQL may name); set while external access is still on.
        if (sandbox.SpillDirectory is { Length: > 0 } spill) Run(c, $"SET GLOBAL temp_directory = {DuckDbSession.Literal(spill)}");
        if (sandbox.MaxSpillSize is { Length: > 0 } spillSize) Run(c, $"SET GLOBAL max_temp_directory_size = {DuckDbSession.Literal(spillSize)}");
        // allowed_directories must be set while external access is still on; the open-time configuration takes no lists.
        var folders = string.Join(", ", sandbox.AllowedDirectories.Select(d => DuckDbSession.Literal(WithSeparator(d))));
        Run(c, $"SET GLOBAL allowed_directories = [{folders}]");
        Run(c, "SET GLOBAL enable_external_access = false");
        if (sandbox.MemoryLimit is { Length: > 0 } memory) Run(c, $"SET GLOBAL memory_limit = {DuckDbSession.Literal(memory)}");
        if (sandbox.Threads is { } threads) Run(c, $"SET GLOBAL threads = {threads.ToString(CultureInfo.InvariantCulture)}");
        Run(c, "SET GLOBAL lock_configuration = true");
    }

    private static void Run(DuckDBConnection c, string sql)
    {
        using var command = c.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static string WithSeparator(string directory)
    {
        var full = System.IO.Path.GetFullPath(directory);
        return full.EndsWith(System.IO.Path.DirectorySeparatorChar) ? full : full + System.IO.Path.DirectorySeparatorChar;
    }

    /// <summary>A new connection to this database's engine instance (never the anchor).</summary>
    private DuckDbSession Connect()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        // A file's instance is shared by DuckDB.NET while the anchor is open; an in-memory one only through Duplicate.
        var connection = _inMemory ? _anchor.Duplicate() : new DuckDBConnection(_connectionString);
        try { connection.Open(); }
        catch
        {
            connection.Dispose();
            throw;
        }
        return new DuckDbSession(connection, this);
    }

    /// <summary>A pooled session; dispose it to give it back. One left inside a transaction is closed, not reused.</summary>
    public DuckDbSession Rent() => _idle.TryTake(out var c) ? c : Connect();

    internal void Return(DuckDbSession session)
    {
        if (_disposed != 0 || session.InTransaction || _idle.Count >= 32) session.Close();
        else _idle.Add(session);
    }

    /// <summary>Closes the pool, then the anchor: the last connection out closes the engine, which checkpoints the file.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        while (_idle.TryTake(out var c)) c.Close();
        _anchor.Dispose();
        if (!_inMemory) OpenFiles.TryRemove(Path, out _);
    }
}
