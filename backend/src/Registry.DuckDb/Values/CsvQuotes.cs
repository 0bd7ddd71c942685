using Registry.Core.Common;

namespace Registry.DuckDb.Values;

/// <summary>
/// Finds a quoted CSV field that is never closed, as the body streams to its file. DuckDB's sniffer may take such a file
/// for one without quoting and store the quote and what follows as data; a 400 naming the line is the honest answer.
/// RFC 4180 quoting: a field that starts with <c>"</c> ends at the next <c>"</c> not doubled (<c>""</c> is a quote).
/// A <c>"</c> inside an unquoted field is data. Field separators: comma, semicolon, tab and bar, the ones DuckDB sniffs.
/// </summary>
internal sealed class CsvQuotes
{
    private bool _quoted;
    private bool _pendingQuote;   // a '"' inside a quoted field ended the last chunk: closing, or the first of a ""?
    private byte _previous = (byte)'\n';
    private long _line = 1;
    private long _openedAt;

    public void Scan(ReadOnlySpan<byte> chunk)
    {
        var i = 0;
        if (_pendingQuote && chunk.Length > 0)
        {
            _pendingQuote = false;
            if (chunk[0] == (byte)'"') i = 1;   // "" : an escaped quote, still inside
            else _quoted = false;               // the field closed
        }
        while (i < chunk.Length)
        {
            var rest = chunk[i..];
            var at = rest.IndexOf((byte)'"');
            var upTo = at < 0 ? rest : rest[..at];
            _line += upTo.Count((byte)'\n');
            if (at < 0)
            {
                if (rest.Length > 0) _previous = rest[^1];
                return;
            }
            var previous = at > 0 ? rest[at - 1] : _previous;
            i += at + 1;
            if (_quoted)
            {
                if (i == chunk.Length) { _pendingQuote = true; _previous = (byte)'"'; return; }
                if (chunk[i] == (byte)'"') { i++; continue; }   // "" inside a quoted field
                _quoted = false;
            }
            else if (previous is (byte)',' or (byte)';' or (byte)'\t' or (byte)'|' or (byte)'\n' or (byte)'\r')
            {
                _quoted = true;
                _openedAt = _line;
            }
            _previous = (byte)'"';
        }
    }

    /// <summary>At the end of the body: a field still open is the client's 400, naming the line it opened on.</summary>
    public void End()
    {
        if (_pendingQuote) { _pendingQuote = false; _quoted = false; }
        if (_quoted)
            throw InvalidInputException.For("body",
                $"CSV line {_openedAt}: a quoted field opens here and is never closed (an unterminated \"). Close the quote, or double a \" inside a quoted field (\"\").");
    }
}
