using System.Globalization;
using DuckDB.NET.Data;

namespace Registry.DuckDb;

/// <summary>A column an append site writes, with the type DuckDB must report for it (as duckdb_columns prints it).</summary>
public sealed record AppendColumn(string Name, string Type);

/// <summary>
/// DuckDB.NET's appender writes the bytes it is given without looking at the column's type (a long into an INTEGER or a
/// DOUBLE column stores garbage, upstream issue #251). Every append site therefore declares its columns; the table's
/// real columns are checked against that declaration when the appender opens, and each value against its column as it
/// is appended, so a mismatch is an exception, never a silently wrong row (ADR 0023).
/// </summary>
public sealed class CheckedAppender : IDisposable
{
    private readonly DuckDBAppender _appender;
    private readonly Kind[] _kinds;
    private readonly string _table;
    private IDuckDBAppenderRow? _row;
    private int _column;
    private bool _closed;

    private enum Kind { Varchar, BigInt, Integer, Double, Boolean, Timestamp }

    private CheckedAppender(DuckDBAppender appender, Kind[] kinds, string table)
    {
        _appender = appender;
        _kinds = kinds;
        _table = table;
    }

    /// <summary>Opens an appender on <paramref name="catalog"/>.<paramref name="schema"/>.<paramref name="table"/> after checking its columns are exactly <paramref name="columns"/>.</summary>
    public static CheckedAppender Open(DuckDbSession s, string catalog, string schema, string table, IReadOnlyList<AppendColumn> columns)
    {
        var actual = Columns(s, catalog, schema, table);
        var name = $"{catalog}.{schema}.{table}";
        if (!actual.SequenceEqual(columns))
            throw new InvalidOperationException(
                $"{name} has the columns ({string.Join(", ", actual.Select(c => $"{c.Name} {c.Type}"))}) but the appender writes " +
                $"({string.Join(", ", columns.Select(c => $"{c.Name} {c.Type}"))}).");
        var kinds = columns.Select(c => c.Type switch
        {
            "VARCHAR" => Kind.Varchar,
            "BIGINT" => Kind.BigInt,
            "INTEGER" => Kind.Integer,
            "DOUBLE" => Kind.Double,
            "BOOLEAN" => Kind.Boolean,
            "TIMESTAMP" => Kind.Timestamp,
            _ => throw new ArgumentException($"The appender does not write {c.Type} ({c.Name}).", nameof(columns)),
        }).ToArray();
        return new CheckedAppender(s.Connection.CreateAppender(catalog, schema, table), kinds, name);
    }

    /// <summary>The columns of a table as DuckDB reports them, in order.</summary>
    public static IReadOnlyList<AppendColumn> Columns(DuckDbSession s, string catalog, string schema, string table)
    {
        var columns = new List<AppendColumn>();
        using var r = s.Query("""
            SELECT column_name, data_type FROM duckdb_columns()
            WHERE database_name = ? AND schema_name = ? AND table_name = ? ORDER BY column_index
            """, catalog, schema, table);
        while (r.Read()) columns.Add(new AppendColumn(r.GetString(0), r.GetString(1)));
        return columns;
    }

    public CheckedAppender Varchar(string? value)
    {
        Next(Kind.Varchar, value is null).AppendValue(value);
        return this;
    }

    public CheckedAppender BigInt(long value)
    {
        Next(Kind.BigInt, false).AppendValue(value);
        return this;
    }

    public CheckedAppender Integer(int value)
    {
        Next(Kind.Integer, false).AppendValue(value);
        return this;
    }

    public CheckedAppender Double(double value)
    {
        Next(Kind.Double, false).AppendValue(value);
        return this;
    }

    public CheckedAppender Boolean(bool value)
    {
        Next(Kind.Boolean, false).AppendValue(value);
        return this;
    }

    /// <summary>A UTC instant into a TIMESTAMP column.</summary>
    public CheckedAppender Timestamp(DateTime utc)
    {
        Next(Kind.Timestamp, false).AppendValue(utc);
        return this;
    }

    public CheckedAppender Null()
    {
        Next(null, true).AppendNullValue();
        return this;
    }

    public void EndRow()
    {
        if (_row is null || _column != _kinds.Length)
            throw new InvalidOperationException($"A row of {_table} needs {_kinds.Length} values; it has {_column}.");
        _row.EndRow();
        _row = null;
        _column = 0;
    }

    private IDuckDBAppenderRow Next(Kind? kind, bool isNull)
    {
        // Checked before a row is begun: a refused value leaves nothing half-written behind.
        if (_column >= _kinds.Length) throw new InvalidOperationException($"A row of {_table} has only {_kinds.Length} columns.");
        if (!isNull && kind != _kinds[_column])
            throw new InvalidOperationException(
                $"Column {(_column + 1).ToString(CultureInfo.InvariantCulture)} of {_table} is {_kinds[_column]}; a {kind} value was appended.");
        _row ??= _appender.CreateRow();
        _column++;
        return _row;
    }

    /// <summary>Flushes and closes: an error here means the rows did not reach the table.</summary>
    public void Close()
    {
        _closed = true;
        _appender.Close();
    }

    /// <summary>On a failure path (no <see cref="Close"/>): discards the rows not yet flushed and releases the appender.</summary>
    public void Dispose()
    {
        if (_closed) return;
        _closed = true;
        try
        {
            // Without this, closing would flush the rows buffered so far, a half-written one included.
            _appender.Clear();
            _appender.Dispose();
        }
        catch (DuckDBException) { /* the original failure is the one that matters */ }
    }
}
