using DuckDB.NET.Data;
using Registry.Core.Values;

namespace Registry.DuckDb.Values;

/// <summary>
/// A batch in a TEMP table of one pooled connection: invisible to every other connection, and dropped with the
/// batch, so a rejected or interrupted batch leaves nothing behind.
/// </summary>
internal sealed class StagedBatch(DuckDbSession connection, string stage, string? file) : IStagedBatch, IDisposable
{
    public DuckDbSession Connection { get; } = connection;
    public string Stage { get; } = stage;

    /// <summary>How the stage numbers its rows from 0: its row_no column, or <see cref="ValueSql.RowId"/>.</summary>
    public string RowNo { get; init; } = "row_no";
    public long RowCount { get; set; }
    public List<RowError> ErrorList { get; } = [];
    public IReadOnlyList<RowError> Errors => ErrorList;
    public long ErrorCount { get; set; }
    public string? DeclaredVersion { get; set; }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Drops the stage and gives the connection back; synchronous, as every DuckDB call is.</summary>
    public void Dispose()
    {
        try
        {
            Connection.Rollback();
            Connection.Execute($"DROP TABLE IF EXISTS {ValueSql.Temp(Stage)}");
        }
        catch (DuckDBException) { /* the temp table dies with the connection anyway */ }
        finally
        {
            Connection.Dispose();
            if (file is not null) File.Delete(file);
        }
    }
}
