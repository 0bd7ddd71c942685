using System.Buffers;
using System.Text.Json;
using Registry.Core.Common;
using Registry.Core.Features;
using Registry.Core.Values;

namespace Registry.DuckDb.Values;

/// <summary>
/// Streams <c>{"feature_version": "1.2.0", "rows": [{"entity_id", "event_ts", "value"}, …]}</c> from the request body
/// into DuckDB's appender, a buffer at a time: the body is never held whole. Types are checked per row against the
/// feature's data type; the first errors are kept with their row, and every row is counted.
/// </summary>
internal sealed class JsonBatchReader(CheckedAppender appender, DataType dataType)
{
    public const int MaxErrors = 20;

    private enum Where { Start, Root, RowsArray, Row, Done }

    private Where _where = Where.Start;
    private string? _property;
    private int _skipDepth;

    // The row being read: properties may come in any order, so fields wait here until the row's end.
    private string? _entity;
    private DateTime? _ts;
    private bool _hasValue;
    private JsonTokenType _valueToken;
    private double _double;
    private long _long;
    private DateTime _instant;
    private string? _string;
    private string? _rowError;
    // Which of a row's fields were given (1 entity_id, 2 event_ts, 4 value): one given twice is ambiguous, so refused.
    private int _seen;
    private bool _sawVersion;

    public long Rows { get; private set; }
    public long ErrorCount { get; private set; }
    public List<RowError> Errors { get; } = [];
    public string? FeatureVersion { get; private set; }
    public bool SawRows { get; private set; }

    public async Task ReadAsync(Stream body, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            var state = new JsonReaderState(new JsonReaderOptions { MaxDepth = 64 });
            var filled = 0;
            var final = false;
            while (true)
            {
                if (!final)
                {
                    if (filled == buffer.Length)
                    {
                        // One token larger than the buffer (a very long string): grow, up to the body limit.
                        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, filled).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }
                    var n = await body.ReadAsync(buffer.AsMemory(filled), ct);
                    if (n == 0) final = true;
                    filled += n;
                }
                var consumed = Process(buffer.AsSpan(0, filled), final, ref state);
                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
                if (final) break;
            }
            if (_where != Where.Done) throw Invalid("body", "The JSON body ended early.");
            if (!SawRows) throw Invalid("rows", "rows is required: an array of {entity_id, event_ts, value}.");
        }
        catch (JsonException e)
        {
            throw Invalid("body", $"The body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine}).");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private int Process(ReadOnlySpan<byte> data, bool final, ref JsonReaderState state)
    {
        var reader = new Utf8JsonReader(data, final, state);
        while (reader.Read()) Token(ref reader);
        state = reader.CurrentState;
        return (int)reader.BytesConsumed;
    }

    private void Token(ref Utf8JsonReader r)
    {
        if (_skipDepth > 0)
        {
            if (r.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) _skipDepth++;
            else if (r.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray) _skipDepth--;
            return;
        }
        switch (_where)
        {
            case Where.Start:
                if (r.TokenType != JsonTokenType.StartObject)
                    throw Invalid("body", "The body must be a JSON object: {\"rows\": [{\"entity_id\": …, \"event_ts\": …, \"value\": …}]}.");
                _where = Where.Root;
                return;
            case Where.Root:
                RootToken(ref r);
                return;
            case Where.RowsArray:
                if (r.TokenType == JsonTokenType.EndArray) { _where = Where.Root; return; }
                if (r.TokenType != JsonTokenType.StartObject)
                {
                    BeginRow();
                    Fail(Rows, "row", "Each row must be an object with entity_id, event_ts and value.");
                    if (r.TokenType is JsonTokenType.StartArray) _skipDepth = 1;
                    Rows++;
                    return;
                }
                BeginRow();
                _where = Where.Row;
                return;
            case Where.Row:
                RowToken(ref r);
                return;
            default:
                throw Invalid("body", "Unexpected content after the JSON object.");
        }
    }

    private void RootToken(ref Utf8JsonReader r)
    {
        if (r.TokenType == JsonTokenType.EndObject) { _where = Where.Done; return; }
        if (r.TokenType == JsonTokenType.PropertyName) { _property = Text(ref r); return; }
        switch (_property)
        {
            case "rows" when r.TokenType == JsonTokenType.StartArray:
                if (SawRows) throw Invalid("rows", "rows appears twice; give it once.");
                SawRows = true;
                _where = Where.RowsArray;
                return;
            case "rows":
                throw Invalid("rows", "rows must be an array.");
            case "feature_version" when _sawVersion:
                throw Invalid("feature_version", "feature_version appears twice; give it once.");
            case "feature_version" when r.TokenType == JsonTokenType.String:
                _sawVersion = true;
                FeatureVersion = Text(ref r);
                return;
            case "feature_version" when r.TokenType == JsonTokenType.Null:
                _sawVersion = true;
                return;
            case "feature_version":
                throw Invalid("feature_version", "feature_version must be a string such as \"1.2.0\".");
            default:
                throw Invalid(_property ?? "body", $"Unknown property '{_property}'; expected feature_version and rows.");
        }
    }

    private void RowToken(ref Utf8JsonReader r)
    {
        if (r.TokenType == JsonTokenType.EndObject) { EndRow(); _where = Where.RowsArray; return; }
        if (r.TokenType == JsonTokenType.PropertyName)
        {
            _property = Text(ref r);
            var bit = _property switch { "entity_id" => 1, "event_ts" => 2, "value" => 4, _ => 0 };
            if ((_seen & bit) != 0) Fail(Rows, _property!, $"{_property} is given twice in this row; give each field once.");
            _seen |= bit;
            return;
        }
        if (r.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            _skipDepth = 1;
            Fail(Rows, _property ?? "row", $"{_property} cannot be an object or array.");
            return;
        }
        switch (_property)
        {
            case "entity_id":
                if (r.TokenType != JsonTokenType.String) { Fail(Rows, "entity_id", "entity_id must be a string."); return; }
                _entity = Text(ref r);
                return;
            case "event_ts":
                if (r.TokenType != JsonTokenType.String || !TryTimestamp(ref r, out var instant))
                {
                    Fail(Rows, "event_ts", "event_ts must be an ISO 8601 instant, e.g. 2024-01-02T21:00:00Z (no offset means UTC).");
                    return;
                }
                _ts = instant;
                return;
            case "value":
                ReadValue(ref r);
                return;
            default:
                Fail(Rows, _property ?? "row", $"Unknown property '{_property}'; a row has entity_id, event_ts and value.");
                return;
        }
    }

    private void ReadValue(ref Utf8JsonReader r)
    {
        _hasValue = true;
        _valueToken = r.TokenType;
        if (r.TokenType == JsonTokenType.Null) return;
        var ok = dataType switch
        {
            DataType.Float => r.TokenType == JsonTokenType.Number && r.TryGetDouble(out _double) && double.IsFinite(_double) && !Underflows(ref r),
            DataType.Integer => r.TokenType == JsonTokenType.Number && r.TryGetInt64(out _long),
            DataType.String => r.TokenType == JsonTokenType.String && (_string = Text(ref r)) is not null,
            DataType.Boolean => r.TokenType is JsonTokenType.True or JsonTokenType.False,
            DataType.Timestamp => r.TokenType == JsonTokenType.String && TryTimestamp(ref r, out _instant),
            _ => false,
        };
        if (ok) return;
        if (dataType == DataType.Float && r.TokenType == JsonTokenType.Number && _double == 0)
            Fail(Rows, "value", $"value {System.Text.Encoding.UTF8.GetString(r.ValueSpan)} is too small for a double: it would be stored as 0. Send 0, or rescale the feature.");
        else
            Fail(Rows, "value", $"value must be {ValueSql.Expected(dataType)} or null.");
    }

    /// <summary>A number such as 1e-400 parses as 0, another number: true when the digits before the exponent are not all zero.</summary>
    private bool Underflows(ref Utf8JsonReader r)
    {
        if (_double != 0) return false;
        foreach (var b in r.ValueSpan) // a number token is never escaped, and the reader works on one contiguous buffer
        {
            if (b is (byte)'e' or (byte)'E') return false;
            if (b is >= (byte)'1' and <= (byte)'9') return true;
        }
        return false;
    }


    /// <summary>ISO 8601 only (Utf8JsonReader's parser); an instant without an offset is read as UTC, not as server-local time.</summary>
    private static bool TryTimestamp(ref Utf8JsonReader r, out DateTime utc)
    {
        utc = default;
        if (!r.TryGetDateTimeOffset(out var dto)) return false;
        var text = r.ValueIsEscaped ? System.Text.Encoding.UTF8.GetBytes(Text(ref r)!) : r.ValueSpan.ToArray();
        var tail = text.Length > 10 ? text.AsSpan(10) : [];
        var hasOffset = tail.IndexOfAny((byte)'+', (byte)'-') >= 0 || tail.EndsWith("Z"u8) || tail.EndsWith("z"u8);
        if (!hasOffset) dto = new DateTimeOffset(dto.DateTime, TimeSpan.Zero);
        utc = dto.UtcDateTime;
        return true;
    }

    private void BeginRow()
    {
        _entity = null;
        _ts = null;
        _hasValue = false;
        _string = null;
        _rowError = null;
        _property = null;
        _seen = 0;
    }

    private void EndRow()
    {
        if (_rowError is null)
        {
            if (string.IsNullOrEmpty(_entity)) Fail(Rows, "entity_id", "entity_id is required.");
            else if (_entity.Length > 256 || _entity.Contains('\0', StringComparison.Ordinal)) Fail(Rows, "entity_id", "entity_id is at most 256 characters, without NUL.");
            else if (_ts is null) Fail(Rows, "event_ts", "event_ts is required.");
            else if (!_hasValue) Fail(Rows, "value", "value is required (null is allowed).");
            // DuckDB.NET's appender stops a string at its first NUL: the value would be stored cut short, silently.
            else if (_string?.Contains('\0', StringComparison.Ordinal) == true)
                Fail(Rows, "value", "A string value cannot contain NUL (\\u0000) in a JSON body; send it as CSV or Parquet, which keep it.");
        }
        if (_rowError is null && ErrorCount == 0) Append();
        Rows++;
    }

    /// <summary>The stage a JSON body is appended to (<see cref="ValueSql.TypedStage"/>), column for column.</summary>
    public static AppendColumn[] StageColumns(DataType type) =>
    [
        new("row_no", "BIGINT"), new("entity_id", "VARCHAR"), new("event_ts", "TIMESTAMP"), new("value", ValueSql.ColumnType(type)),
        new("error", "VARCHAR"), new("event_ts_raw", "VARCHAR"), new("value_raw", "VARCHAR"),
    ];

    private void Append()
    {
        appender.BigInt(Rows).Varchar(_entity).Timestamp(_ts!.Value);
        if (_valueToken == JsonTokenType.Null) appender.Null();
        else
        {
            switch (dataType)
            {
                case DataType.Float: appender.Double(_double); break;
                case DataType.Integer: appender.BigInt(_long); break;
                case DataType.String: appender.Varchar(_string); break;
                case DataType.Boolean: appender.Boolean(_valueToken == JsonTokenType.True); break;
                case DataType.Timestamp: appender.Timestamp(_instant); break;
            }
        }
        appender.Null().Null().Null(); // error, event_ts_raw, value_raw: a typed row has none
        appender.EndRow();
    }

    private void Fail(long row, string field, string message)
    {
        if (_rowError is not null) return;
        _rowError = message;
        ErrorCount++;
        if (Errors.Count < MaxErrors) Errors.Add(new RowError(row, field, message));
    }

    /// <summary>
    /// A string token as text. The reader has already checked the token type; what remains to fail is the text itself:
    /// bytes that are not UTF-8, or an escaped surrogate without its pair.
    /// </summary>
    private static string? Text(ref Utf8JsonReader r)
    {
        try { return r.GetString(); }
        catch (InvalidOperationException) { throw Invalid("body", "The body has a string that is not valid UTF-8 text (invalid bytes or an unpaired \\u surrogate escape)."); }
    }

    private static InvalidInputException Invalid(string field, string message) => InvalidInputException.For(field, message);
}
