using System.Runtime.InteropServices;

namespace Registry.DuckDb.Interop;

/// <summary>
/// SafeHandles over the C API's handles. A child (connection, statement, appender, result, chunk) holds a
/// reference on its parent, so the parent is released only after its last child: disposing a database
/// while a reader is still open cannot free memory under that reader.
/// </summary>
internal abstract class DuckDbHandle : SafeHandle
{
    private readonly SafeHandle? _parent;

    protected DuckDbHandle(SafeHandle? parent) : base(0, ownsHandle: true)
    {
        if (parent is null) return;
        var added = false;
        parent.DangerousAddRef(ref added);
        _parent = parent;
    }

    public override bool IsInvalid => handle == 0;

    public void Set(nint value) => SetHandle(value);

    protected sealed override bool ReleaseHandle()
    {
        try { Destroy(); }
        finally { _parent?.DangerousRelease(); }
        return true;
    }

    protected abstract void Destroy();
}

internal sealed class DatabaseHandle() : DuckDbHandle(null)
{
    protected override void Destroy() { var h = handle; Native.Close(ref h); }
}

internal sealed class ConnectionHandle(DatabaseHandle database) : DuckDbHandle(database)
{
    protected override void Destroy() { var h = handle; Native.Disconnect(ref h); }
}

internal sealed class StatementHandle(ConnectionHandle connection) : DuckDbHandle(connection)
{
    protected override void Destroy() { var h = handle; Native.DestroyPrepare(ref h); }
}

internal sealed class AppenderHandle(ConnectionHandle connection) : DuckDbHandle(connection)
{
    protected override void Destroy() { var h = handle; Native.AppenderDestroy(ref h); }
}

/// <summary>A duckdb_result lives in unmanaged memory we allocate, so its address is stable for the C API.</summary>
internal sealed unsafe class ResultHandle : DuckDbHandle
{
    public ResultHandle(SafeHandle owner) : base(owner)
    {
        SetHandle((nint)NativeMemory.AllocZeroed((nuint)sizeof(Native.Result)));
    }

    public Native.Result* Pointer => (Native.Result*)handle;

    protected override void Destroy()
    {
        Native.DestroyResult((Native.Result*)handle);
        NativeMemory.Free((void*)handle);
    }
}

internal sealed class ChunkHandle(ResultHandle result) : DuckDbHandle(result)
{
    protected override void Destroy() { var h = handle; Native.DestroyChunk(ref h); }
}
